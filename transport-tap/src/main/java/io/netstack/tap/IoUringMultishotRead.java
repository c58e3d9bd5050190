package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.channel.uring.IoUringIoOps;

import java.util.function.Predicate;

/**
 * The multishot read of a {@link IoUringTapIo} ({@code IORING_OP_READ_MULTISHOT}, Linux 6.7): one submission takes
 * frames for as long as the device has them, each into a slot of {@link ProvidedBuffers}, from which it is copied
 * into a buffer of the channel's allocator. For frames up to {@link #MAX_FRAME} bytes the copy costs less than
 * what it saves: one armed poll on the device instead of one per read in flight (tun wakes every one of them for
 * each frame). It retires for good, leaving the channel to single reads, when the kernel refuses it or its buffers,
 * or when frames outgrow the slots.
 */
final class IoUringMultishotRead {
    /** The largest read buffer (frame and vnet header) a multishot read copies out of; larger ones are read in place. */
    private static final int MAX_FRAME = 4096;
    /** Slots lent to the read; the used ones go back once per loop turn, in chunks. */
    private static final int SLOTS = 128;

    private final IoUringTapIo io;
    private final Predicate<IoUringIoOps> provideSubmitter = this::submitProvide;
    /** The read's buffers, from its first use until the kernel has given them all back. */
    private ProvidedBuffers provided;
    private boolean armed;
    private boolean cancelled;
    private long id;
    private int providesInFlight;
    private boolean removeInFlight;
    private boolean retired;

    IoUringMultishotRead(IoUringTapIo io) {
        this.io = io;
    }

    /**
     * Keeps the read armed, lending it its buffers first; returns {@code false} when the channel reads with single
     * reads instead.
     */
    boolean keepArmed() {
        if (retired) {
            return false;
        }
        if (provided == null) {
            int bufferLength = io.config.readBufferLength();
            if (bufferLength > MAX_FRAME) {
                return false;
            }
            provided = ProvidedBuffers.allocate(io.config.getAllocator(), SLOTS, bufferLength,
                    IoUringTapIo.PROVIDE_SLOT);
            if (provided == null) {
                retired = true;
                return false;
            }
            // The read is armed once the kernel has the buffers (the provide's completion calls back here).
            if (!submitProvide(provided.provideAll())) {
                provided.release();
                provided = null;
                return false;
            }
            return true;
        }
        if (io.config.readBufferLength() > provided.slotLength()) {
            // The MTU grew past the slots.
            retire();
            return false;
        }
        if (armed || providesInFlight > 0 || removeInFlight) {
            return true;
        }
        long submitted = io.submit(IoUringOps.readMultishot(io.device.fd(), provided.group(),
                IoUringTapIo.MULTISHOT_SLOT));
        if (submitted == IoUringOps.INVALID_ID) {
            return false;
        }
        armed = true;
        cancelled = false;
        id = submitted;
        return true;
    }

    private boolean submitProvide(IoUringIoOps provide) {
        if (io.submit(provide) == IoUringOps.INVALID_ID) {
            return false;
        }
        providesInFlight++;
        return true;
    }

    /** One frame of the read, or its end (no {@code IORING_CQE_F_MORE}). */
    void completed(int result, int flags) {
        if ((flags & IoUringOps.IORING_CQE_F_MORE) == 0) {
            armed = false;
        }
        if ((flags & IoUringOps.IORING_CQE_F_BUFFER) != 0 && provided != null) {
            frame(flags >>> IoUringOps.IORING_CQE_BUFFER_SHIFT, result);
        }
        if (result < 0) {
            if (result == -Errno.ENOBUFS) {
                // Every slot is out with a frame: give them back now, and the read is armed again after.
                giveBackSlots();
            } else if (result == -Errno.EINVAL || result == -Errno.EOPNOTSUPP) {
                // A kernel before 6.7. (Its other refusal, EBADFD for a file that cannot be polled, is not for tun:
                // from tun, EBADFD means the device was deleted, and goes to the pipeline below.)
                retire();
            } else if (result != -Errno.ECANCELED && io.isReading()) {
                io.readFailed(-result);
            }
        }
        if (!armed) {
            io.fillReads();
        }
    }

    private void frame(int slot, int length) {
        if (length <= 0 || !io.isReading()) {
            provided.used(slot);
            return;
        }
        if (io.inbound.cutShort(length, provided.slotLength())) {
            // The MTU grew past the slots.
            provided.used(slot);
            retire();
            return;
        }
        ByteBuf frame = io.config.getAllocator().directBuffer(length);
        provided.copyOut(slot, length, frame);
        io.deliver(frame, length, true);
    }

    /** Single reads from now on, into buffers sized by the current MTU; the slots go back to the allocator. */
    private void retire() {
        retired = true;
        remove();
    }

    /** Lends the slots used since the last time back to the kernel, unless the channel is done with them. */
    void giveBackSlots() {
        if (provided != null && !io.isClosing() && !retired && !removeInFlight) {
            provided.giveBack(provideSubmitter);
        }
    }

    void provideCompleted(int result) {
        providesInFlight--;
        if (result < 0) {
            // Out of memory, or a group id that something other than Netty took for a buffer ring of this ring:
            // read with single reads.
            retire();
        }
        io.fillReads();
    }

    /**
     * Takes the slots back from the kernel, cancelling the read first. The kernel runs the two in the order of
     * submission, each at once, after any provide submitted before: a cancelled read holds no slot, so the removal
     * takes every slot the kernel has, in the same loop turn.
     */
    void remove() {
        if (provided == null || removeInFlight) {
            return;
        }
        cancel();
        if (io.submit(provided.remove(IoUringTapIo.REMOVE_SLOT)) != IoUringOps.INVALID_ID) {
            removeInFlight = true;
        }
    }

    void cancel() {
        if (armed && !cancelled) {
            cancelled = true;
            io.cancel(id);
        }
    }

    void removeCompleted() {
        removeInFlight = false;
        if (provided != null) {
            provided.release();
            provided = null;
        }
        io.fillReads();
    }

    boolean isQuiet() {
        return !armed && providesInFlight == 0 && provided == null;
    }

    /** Every operation has completed or gone with the ring, and the ring's buffer groups with it. */
    void unregistered() {
        armed = false;
        providesInFlight = 0;
        removeInFlight = false;
        if (provided != null) {
            provided.release();
            provided = null;
        }
    }
}
