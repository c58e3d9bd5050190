package io.netstack.tap.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Collects the frames a channel reads, so a test thread can wait for the one it expects. */
@ChannelHandler.Sharable
public final class FrameQueue extends ChannelInboundHandlerAdapter {
    private final LinkedBlockingQueue<ByteBuf> frames = new LinkedBlockingQueue<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        frames.add((ByteBuf) msg);
    }

    /**
     * Waits for the first frame that matches, releasing the others; the caller releases the returned frame.
     *
     * @throws AssertionError if none arrives in time
     */
    public ByteBuf await(Predicate<ByteBuf> wanted, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            long left = deadline - System.nanoTime();
            ByteBuf frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
            if (frame == null) {
                throw new AssertionError("no matching frame within " + timeout + " " + unit);
            }
            if (wanted.test(frame)) {
                return frame;
            }
            frame.release();
        }
    }

    /** The next frame, or {@code null} if none arrives in time; the caller releases it. */
    public ByteBuf poll(long timeout, TimeUnit unit) throws InterruptedException {
        return frames.poll(timeout, unit);
    }

    /** The number of frames waiting. */
    public int size() {
        return frames.size();
    }

    /** Releases every frame still queued. */
    public void clear() {
        ByteBuf frame;
        while ((frame = frames.poll()) != null) {
            frame.release();
        }
    }
}
