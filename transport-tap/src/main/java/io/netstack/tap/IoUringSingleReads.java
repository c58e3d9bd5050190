package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.channel.RecvByteBufAllocator;

/**
 * The single reads of a {@link IoUringTapIo}, each into the buffer of the frame it reads, several in flight; and,
 * for kernels that complete a read of a non-blocking fd at once with EAGAIN, a readiness poll before reading again.
 * Reads are told apart by their slot, which is their user data.
 */
final class IoUringSingleReads {
    private final IoUringTapIo io;
    private final ByteBuf[] reads;
    private final long[] readIds;
    private int readsInFlight;
    /**
     * How many reads to keep in flight now, from 1 to the configured depth. Every read waiting on an idle device is
     * woken by each frame that arrives (io_uring arms a poll per read, and tun wakes them all), and all but one go
     * back to waiting, so an idle or keeping-up channel keeps few; a loop turn whose reads all came back with frames
     * means a backlog, and the channel doubles its reads to take more frames per turn.
     */
    private int readTarget = 1;
    private int framesThisTurn;
    private boolean pollInFlight;
    private long pollId;

    IoUringSingleReads(IoUringTapIo io, int depth) {
        this.io = io;
        this.reads = new ByteBuf[depth];
        this.readIds = new long[depth];
    }

    /** Whether a readiness poll is in flight: no read is submitted until it completes. */
    boolean isPolling() {
        return pollInFlight;
    }

    /**
     * Keeps reads in flight: {@link #readTarget} of them while auto-read is on, one per {@code read()} otherwise (so
     * a pipeline that reads on demand gets one frame per request, as on any Netty channel).
     */
    void fill(boolean autoRead) {
        if (!autoRead && (!io.isReadPending() || readsInFlight > 0)) {
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = io.channel.unsafe().recvBufAllocHandle();
        // Sizes the buffers by the device's current MTU.
        allocHandle.reset(io.config);
        for (int slot = 0; slot < reads.length && readsInFlight < readTarget; slot++) {
            if (reads[slot] == null) {
                submit(slot, allocHandle);
                if (!autoRead) {
                    return;
                }
            }
        }
    }

    private void submit(int slot, RecvByteBufAllocator.Handle allocHandle) {
        ByteBuf frame = io.inbound.allocate(allocHandle);
        long id = io.submit(IoUringOps.read(io.device.fd(), frame.memoryAddress() + frame.writerIndex(),
                frame.writableBytes(), slot));
        if (id == IoUringOps.INVALID_ID) {
            frame.release();
            return;
        }
        reads[slot] = frame;
        readIds[slot] = id;
        readsInFlight++;
    }

    void completed(int slot, int result) {
        ByteBuf frame = reads[slot];
        reads[slot] = null;
        readsInFlight--;
        if (result > 0 && io.isReading()) {
            io.deliver(frame, result, false);
            if (!io.wantsFrames()) {
                // The one frame asked for has come: the other reads in flight must not hand over more.
                io.cancelReads();
            }
            io.fillReads();
            return;
        }
        frame.release();
        if (result == -Errno.ECANCELED) {
            io.fillReads();
        } else if (result == -Errno.EAGAIN) {
            // Older kernels complete a read of a non-blocking tun fd at once: wait for readiness, then read again.
            pollForInput();
        } else if (result < 0 && io.isReading()) {
            // The first failed read tells the pipeline and closes; the other reads in flight fail the same way.
            io.readFailed(-result);
        }
    }

    private void pollForInput() {
        if (!pollInFlight) {
            pollId = io.submit(IoUringOps.pollIn(io.device.fd(), IoUringTapIo.POLL_SLOT));
            pollInFlight = pollId != IoUringOps.INVALID_ID;
        }
    }

    void pollCompleted() {
        pollInFlight = false;
        io.fillReads();
    }

    /** A frame arrived this loop turn, by whichever read. */
    void countFrame() {
        framesThisTurn++;
    }

    /** Once per loop turn that brought frames: more reads after a turn that used them all, fewer after a thin one. */
    void turnEnded() {
        if (framesThisTurn >= readTarget) {
            readTarget = Math.min(reads.length, readTarget * 2);
        } else if (framesThisTurn < readTarget / 2) {
            readTarget = Math.max(1, readTarget / 2);
        }
        framesThisTurn = 0;
    }

    /** Asks the kernel to cancel every read (and readiness poll) in flight; each completes with -ECANCELED. */
    void cancelAll() {
        for (int slot = 0; slot < reads.length; slot++) {
            if (reads[slot] != null) {
                io.cancel(readIds[slot]);
            }
        }
        if (pollInFlight) {
            io.cancel(pollId);
        }
    }

    boolean isQuiet() {
        return readsInFlight == 0 && !pollInFlight;
    }

    /** Every operation has completed or gone with the ring: the buffers go back to the allocator. */
    void unregistered() {
        for (int slot = 0; slot < reads.length; slot++) {
            if (reads[slot] != null) {
                reads[slot].release();
                reads[slot] = null;
            }
        }
        readsInFlight = 0;
        pollInFlight = false;
    }
}
