package io.netstack.handler.fault;

import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The faults of one direction of a {@link FaultInjector}: its random stream, token bucket, held frame and delay
 * line. Frames reach the next handler through {@code fireChannelRead} on the inbound lane and {@code write} on the
 * outbound one, whose frames carry their write's promise ({@code null} on the inbound lane).
 *
 * <p>The random draws depend on the settings and the frames only, never on the clock, so a seed replays the same
 * decisions for the same frames: every frame draws its drop and duplicate decisions, then each copy draws its
 * corruption (and, when corrupted, the byte and the bits), reorder decision and jitter, each draw made only when its
 * fault is set.
 */
final class FaultLane {
    private final boolean inbound;
    private final FaultSettings settings;
    private final SplittableRandom random;
    private final FaultCounters counters = new FaultCounters();
    private final long delayNanos;
    private final long jitterNanos;
    private final long reorderTimeoutNanos;
    private final double bytesPerNano;
    private final ArrayDeque<DelayedFrame> delayLine = new ArrayDeque<>();
    private final Runnable releaseDueFrames = this::releaseDueFrames;
    private final Runnable releaseHeldFrameLate = this::releaseHeldFrameLate;
    private ChannelHandlerContext ctx;

    private double tokens;
    private long tokensUpdatedAt;

    private Object heldFrame;
    private ChannelPromise heldPromise;
    private int framesToOvertake;
    private Future<?> reorderTimer;

    private long lastDue;
    private Future<?> delayTimer;

    FaultLane(boolean inbound, FaultSettings settings, SplittableRandom random) {
        this.inbound = inbound;
        this.settings = settings;
        this.random = random;
        delayNanos = settings.delay().toNanos();
        jitterNanos = settings.jitter().toNanos();
        reorderTimeoutNanos = settings.reorderTimeout().toNanos();
        bytesPerNano = settings.bitsPerSecond() / 8e9;
    }

    FaultSettings settings() {
        return settings;
    }

    FaultCounters counters() {
        return counters;
    }

    /** Binds the lane to the injector's context; the token bucket starts full. */
    void start(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        tokens = settings.burstBytes();
        tokensUpdatedAt = now();
    }

    /** Takes a message from the pipeline; what is not a frame passes untouched and uncounted. */
    void accept(Object msg, ChannelPromise promise) {
        if (frameOf(msg) == null) {
            forward(msg, promise);
            return;
        }
        counters.framesSeen.incrementAndGet();
        if (chance(settings.dropRate())) {
            counters.dropped.incrementAndGet();
            drop(msg, promise);
            return;
        }
        if (chance(settings.duplicateRate())) {
            counters.duplicated.incrementAndGet();
            // Shares the bytes: corruption works on a copy, so it never reaches the other frame.
            Object duplicate = msg instanceof ByteBuf frame ? frame.retainedDuplicate()
                    : ((VirtioNetFrame) msg).retainedDuplicate();
            pass(msg, promise);
            pass(duplicate, promise == null ? null : ctx.newPromise());
        } else {
            pass(msg, promise);
        }
    }

    private void pass(Object msg, ChannelPromise promise) {
        if (chance(settings.corruptRate())) {
            msg = corrupt(msg);
        }
        boolean reorder = chance(settings.reorderRate());
        long jitter = jitterNanos == 0 ? 0 : random.nextLong(jitterNanos + 1);
        if (settings.limitsBandwidth() && !takeTokens(frameOf(msg).readableBytes())) {
            counters.overBandwidth.incrementAndGet();
            drop(msg, promise);
            return;
        }
        if (reorder && heldFrame == null) {
            hold(msg, promise);
            return;
        }
        delay(msg, promise, jitter);
        if (heldFrame != null && --framesToOvertake == 0) {
            releaseHeldFrame();
        }
    }

    private boolean chance(double rate) {
        return rate != 0 && random.nextDouble() < rate;
    }

    /**
     * Flips bits of one byte of a copy of the frame: the original may be shared, with a duplicate or with a writer
     * that keeps it to send again.
     */
    private Object corrupt(Object msg) {
        ByteBuf frame = frameOf(msg);
        int length = frame.readableBytes();
        if (length == 0) {
            return msg;
        }
        int index = random.nextInt(length);
        int bits = 1 + random.nextInt(0xff);
        ByteBuf copy = ctx.alloc().buffer(length).writeBytes(frame, frame.readerIndex(), length);
        copy.setByte(index, copy.getByte(index) ^ bits);
        Object corrupted = msg instanceof VirtioNetFrame virtio ? virtio.replace(copy) : copy;
        ReferenceCountUtil.release(msg);
        counters.corrupted.incrementAndGet();
        return corrupted;
    }

    private boolean takeTokens(int bytes) {
        long now = now();
        tokens = Math.min(settings.burstBytes(), tokens + (now - tokensUpdatedAt) * bytesPerNano);
        tokensUpdatedAt = now;
        if (tokens < bytes) {
            return false;
        }
        tokens -= bytes;
        return true;
    }

    private void hold(Object msg, ChannelPromise promise) {
        counters.reordered.incrementAndGet();
        heldFrame = msg;
        heldPromise = promise;
        framesToOvertake = settings.reorderDistance();
        reorderTimer = ctx.executor().schedule(releaseHeldFrameLate, reorderTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void releaseHeldFrame() {
        reorderTimer.cancel(false);
        reorderTimer = null;
        Object msg = heldFrame;
        ChannelPromise promise = heldPromise;
        heldFrame = null;
        heldPromise = null;
        delay(msg, promise, 0);
    }

    private void releaseHeldFrameLate() {
        if (heldFrame != null) {
            releaseHeldFrame();
            complete();
        }
    }

    private void delay(Object msg, ChannelPromise promise, long jitter) {
        if (!settings.delays()) {
            forward(msg, promise);
            return;
        }
        if (delayLine.size() == settings.queueLimit()) {
            counters.queueOverflows.incrementAndGet();
            drop(msg, promise);
            return;
        }
        counters.delayed.incrementAndGet();
        long now = now();
        // Not before the frame ahead: the line keeps its order, as a link does.
        long due = delayLine.isEmpty() ? now + delayNanos + jitter : Math.max(now + delayNanos + jitter, lastDue);
        lastDue = due;
        delayLine.add(new DelayedFrame(msg, promise, due));
        if (delayTimer == null) {
            delayTimer = ctx.executor().schedule(releaseDueFrames, due - now, TimeUnit.NANOSECONDS);
        }
    }

    private void releaseDueFrames() {
        delayTimer = null;
        long now = now();
        boolean released = false;
        for (DelayedFrame next; (next = delayLine.peek()) != null && next.due - now <= 0; ) {
            delayLine.poll();
            forward(next.msg, next.promise);
            released = true;
        }
        if (released) {
            complete();
        }
        DelayedFrame next = delayLine.peek();
        if (next != null) {
            delayTimer = ctx.executor().schedule(releaseDueFrames, next.due - now, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Releases the held and delayed frames undelivered, failing their writes' promises, and stops the timers: the
     * channel is closing or the injector leaves the pipeline.
     */
    void discardAll() {
        if (reorderTimer != null) {
            reorderTimer.cancel(false);
            reorderTimer = null;
        }
        if (delayTimer != null) {
            delayTimer.cancel(false);
            delayTimer = null;
        }
        ClosedChannelException cause = null;
        if (heldFrame != null) {
            cause = new ClosedChannelException();
            discard(heldFrame, heldPromise, cause);
            heldFrame = null;
            heldPromise = null;
        }
        for (DelayedFrame delayed; (delayed = delayLine.poll()) != null; ) {
            if (cause == null) {
                cause = new ClosedChannelException();
            }
            discard(delayed.msg, delayed.promise, cause);
        }
    }

    private void discard(Object msg, ChannelPromise promise, Throwable cause) {
        counters.discarded.incrementAndGet();
        ReferenceCountUtil.release(msg);
        // As Netty's own outbound buffer does: a void promise has nobody to tell, and would fire exceptionCaught.
        if (promise != null && !promise.isVoid()) {
            promise.tryFailure(cause);
        }
    }

    /** A lost frame's write succeeds, as a lossy link reports. */
    private static void drop(Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        if (promise != null) {
            promise.trySuccess();
        }
    }

    private void forward(Object msg, ChannelPromise promise) {
        if (inbound) {
            ctx.fireChannelRead(msg);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Ends a batch of frames released by a timer, outside the pipeline's own read loop or flush. */
    private void complete() {
        if (inbound) {
            ctx.fireChannelReadComplete();
        } else {
            ctx.flush();
        }
    }

    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    private static ByteBuf frameOf(Object msg) {
        if (msg instanceof ByteBuf frame) {
            return frame;
        }
        return msg instanceof VirtioNetFrame virtio ? virtio.content() : null;
    }

    @Override
    public String toString() {
        return settings + ": " + counters;
    }

    private record DelayedFrame(Object msg, ChannelPromise promise, long due) {
    }
}
