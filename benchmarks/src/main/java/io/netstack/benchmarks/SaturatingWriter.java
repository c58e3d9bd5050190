package io.netstack.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Keeps a channel's outbound buffer full of one prepared frame, without allocating per frame: each write is a
 * {@link ByteBuf#retainedDuplicate()} (a recycled object sharing the frame's memory) with the void promise.
 *
 * <p>It writes while the channel is writable, flushing every few frames; the channel says when to continue
 * ({@code channelWritabilityChanged}). A flush that the transport completes synchronously leaves the channel
 * writable with no event to come, so the writer then goes on from a task on its loop, after whatever else the loop
 * has to do. Bounded in frames and time: it stops at {@code maxFrames} or {@code deadlineNanos}, whichever first.
 */
final class SaturatingWriter extends ChannelInboundHandlerAdapter {
    /** Frames per turn of the loop: enough to fill the watermark, few enough to let the loop breathe. */
    private static final int BATCH = 1024;
    /**
     * Frames per flush. A transport that writes synchronously (epoll) hands the duplicates and the outbound buffer's
     * entries back to their Recycler after each flush; Netty's Recycler keeps 32 objects per thread in a plain array
     * and puts more into a queue that allocates a chunk every 32, so at most 16 frames (32 objects) per flush keep
     * the writer allocation-free. An asynchronous transport (io_uring) just accumulates flushes up to the watermark.
     */
    private static final int FRAMES_PER_FLUSH = 16;

    private final ByteBuf frame;
    private final long maxFrames;
    private final long deadlineNanos;
    private final Runnable pumpTask = this::pump;
    private Channel channel;
    private long queued;
    private boolean pumpScheduled;
    private volatile boolean stopped;

    SaturatingWriter(ByteBuf frame, long maxFrames, long deadlineNanos) {
        this.frame = frame;
        this.maxFrames = maxFrames;
        this.deadlineNanos = deadlineNanos;
    }

    /** Stops writing (from any thread); frames already queued still go out. */
    void stop() {
        stopped = true;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        pump();
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            schedulePump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Continues from a task, never from inside the transport's flush, so flushes do not nest. */
    private void schedulePump() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            channel.eventLoop().execute(pumpTask);
        }
    }

    private void pump() {
        pumpScheduled = false;
        if (stopped || !channel.isActive()) {
            return;
        }
        if (queued >= maxFrames || System.nanoTime() - deadlineNanos > 0) {
            stopped = true;
            return;
        }
        int n = 0;
        while (channel.isWritable() && n < BATCH) {
            channel.write(frame.retainedDuplicate(), channel.voidPromise());
            if (++n % FRAMES_PER_FLUSH == 0) {
                channel.flush();
            }
        }
        queued += n;
        channel.flush();
        if (channel.isWritable()) {
            schedulePump();
        }
    }
}
