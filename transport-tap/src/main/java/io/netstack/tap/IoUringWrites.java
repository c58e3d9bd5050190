package io.netstack.tap;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * The batched writes of a {@link IoUringTapIo}: each flush submits up to {@link #DEPTH} frames as one batch, which
 * the loop hands to the kernel with a single {@code io_uring_enter}, straight from the outbound buffer's frames
 * (whose reference keeps each alive until its completion removes it). Writes are told apart by their slot in the
 * batch, offset by {@link IoUringTapIo#WRITE_BASE}.
 */
final class IoUringWrites implements ChannelOutboundBuffer.MessageProcessor {
    /** Writes in flight at once; a flush with more frames continues when they complete. */
    static final int DEPTH = 64;
    private static final int PENDING = Integer.MIN_VALUE;

    private final IoUringTapIo io;
    private final ByteBuf[] frames = new ByteBuf[DEPTH];
    private final int[] results = new int[DEPTH];
    /** The first write of the batch whose frame is not settled yet. */
    private int head;
    private int inFlight;
    private int submitted;
    /**
     * The writes in flight hold a reference of their own to their frames: taken when the channel leaves the loop
     * with writes in flight, as Netty's close then fails and releases the frames that the kernel may not have read
     * yet.
     */
    private boolean held;

    IoUringWrites(IoUringTapIo io) {
        this.io = io;
    }

    boolean isInFlight() {
        return inFlight > 0;
    }

    /**
     * Starts a batch: returns whether the flushed frames may be submitted now, each through {@link #processMessage};
     * not while a batch is in flight (which flushes on when it completes), nor once the channel is closing.
     */
    boolean startBatch() {
        if (inFlight > 0 || io.registration == null || io.isClosing()) {
            return false;
        }
        submitted = 0;
        head = 0;
        return true;
    }

    /**
     * Submits one flushed frame; {@link ChannelOutboundBuffer#forEachFlushedMessage} calls it in order, after
     * {@link #startBatch()}.
     */
    @Override
    public boolean processMessage(Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        int slot = submitted;
        // Netty's submission API takes an object per write, which costs nothing only where C2 scalar-replaces it:
        // its constructor and the registration's submit must both be inlined into the compiled method, and C2 inlines
        // no deeper than MaxInlineLevel calls from that method, often the writer's own code above flush(). So the
        // path from the flush down to the ring has as few calls as the code allows: IoUringTapIo.write iterates
        // itself, the registration is used directly (startBatch checked it), IoUringOps.write builds in one call.
        long id = io.registration.submit(IoUringOps.write(io.device.fd(),
                frame.memoryAddress() + frame.readerIndex(), frame.readableBytes(), IoUringTapIo.WRITE_BASE + slot));
        if (id == IoUringOps.INVALID_ID) {
            return false;
        }
        // The kernel reads the frame when the loop submits the batch; the outbound buffer keeps it until then.
        frames[slot] = frame;
        results[slot] = PENDING;
        inFlight++;
        return ++submitted < DEPTH;
    }

    /**
     * Records a write's result, then settles the promises of the frames at the head of the outbound buffer whose
     * writes have all completed, in order (completions may arrive in any order).
     */
    void completed(int slot, int result) {
        results[slot] = result;
        ChannelOutboundBuffer in = io.channel.unsafe().outboundBuffer();
        while (head < submitted && results[head] != PENDING) {
            ByteBuf frame = frames[head];
            int written = results[head];
            frames[head] = null;
            head++;
            inFlight--;
            int length = frame.readableBytes();
            if (held) {
                frame.release();
            }
            if (in == null) {
                continue; // closed meanwhile: the promises have failed already
            }
            if (written >= 0) {
                io.channel.metrics().frameWritten(length);
                in.remove();
                continue;
            }
            TunTapException deviceFailure = io.writeFailed(in, length, -written);
            if (deviceFailure != null) {
                in.remove(deviceFailure);
                if (!io.isClosing()) {
                    io.closeBecause(deviceFailure);
                }
            }
        }
        if (inFlight == 0) {
            held = false;
            if (in != null && !in.isEmpty() && !io.isClosing()) {
                io.channel.flushNow();
            }
        }
    }

    /** Keeps the frames of the writes in flight alive on their own, whatever happens to the outbound buffer. */
    void hold() {
        if (held) {
            return;
        }
        // The writes in flight are those from the head on; the ones before it have completed and are settled.
        for (int slot = head; slot < submitted; slot++) {
            frames[slot].retain();
        }
        held = inFlight > 0;
    }

    /** Every operation has completed or gone with the ring: the frames still held go back. */
    void unregistered() {
        if (held) {
            for (int slot = head; slot < submitted; slot++) {
                frames[slot].release();
                frames[slot] = null;
            }
            held = false;
            inFlight = 0;
        }
    }
}
