package io.netstack.tap.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts the {@link TestFrames#sequenced} frames a channel reads and checks that they come in order (gaps are
 * allowed: the kernel may drop frames, but must not reorder them), releasing each. Optionally it is a slow reader,
 * pausing every so many frames, so that a faster writer overruns it. The counters are written by the channel's loop
 * alone and may be read from any thread.
 */
public final class SequenceChecker extends ChannelInboundHandlerAdapter {
    private final int pauseEvery;
    private final long pauseNanos;
    private long last = -1;
    private volatile long received;
    private volatile long outOfOrder;
    private volatile long foreign;

    /** A reader as fast as its loop. */
    public SequenceChecker() {
        this(0, 0, TimeUnit.MILLISECONDS);
    }

    /** A reader that blocks its loop for {@code pause} after every {@code every} frames. */
    public SequenceChecker(int every, long pause, TimeUnit unit) {
        this.pauseEvery = every;
        this.pauseNanos = unit.toNanos(pause);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long sequence = msg instanceof ByteBuf frame ? TestFrames.sequence(frame) : -1;
        ReferenceCountUtil.release(msg);
        if (sequence < 0) {
            foreign++;
            return;
        }
        if (sequence <= last) {
            outOfOrder++;
        }
        last = sequence;
        long count = received + 1;
        received = count;
        if (pauseEvery > 0 && count % pauseEvery == 0) {
            LockSupport.parkNanos(pauseNanos);
        }
    }

    /** Sequenced frames read. */
    public long received() {
        return received;
    }

    /** Frames whose sequence number was not above the one before. */
    public long outOfOrder() {
        return outOfOrder;
    }

    /** Frames that were not {@link TestFrames#sequenced} ones. */
    public long foreign() {
        return foreign;
    }
}
