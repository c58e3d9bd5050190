package io.netstack.tap;

import io.netty.channel.uring.IoUringIoOps;

/**
 * The io_uring ABI this package speaks ({@code linux/io_uring.h}): opcodes, flags, and the submissions built from
 * them with Netty's public {@link IoUringIoOps} constructor, as Netty's own factories for them are package-private.
 * The user data of each submission tells its completion apart from the others of the same opcode.
 */
final class IoUringOps {
    static final byte IORING_OP_POLL_ADD = 6;
    static final byte IORING_OP_TIMEOUT = 11;
    static final byte IORING_OP_ASYNC_CANCEL = 14;
    static final byte IORING_OP_READ = 22;
    static final byte IORING_OP_WRITE = 23;
    static final byte IORING_OP_PROVIDE_BUFFERS = 31;
    static final byte IORING_OP_REMOVE_BUFFERS = 32;
    static final byte IORING_OP_READ_MULTISHOT = 49;
    static final int IORING_CQE_F_BUFFER = 1;
    static final int IORING_CQE_F_MORE = 2;
    static final int IORING_CQE_BUFFER_SHIFT = 16;
    /** What {@code IoRegistration.submit} returns for a submission it did not take. */
    static final long INVALID_ID = 0;
    private static final byte NO_FLAGS = 0;
    private static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    private static final int POLLIN = 0x1;

    private IoUringOps() {
    }

    /** Reads one frame into {@code length} bytes at {@code address}. */
    static IoUringIoOps read(int fd, long address, int length, long data) {
        return op(IORING_OP_READ, NO_FLAGS, fd, 0L, address, length, 0, data, (short) 0);
    }

    /** Reads frame after frame, each into a buffer the kernel picks from {@code group}. */
    static IoUringIoOps readMultishot(int fd, short group, long data) {
        return op(IORING_OP_READ_MULTISHOT, IOSQE_BUFFER_SELECT, fd, 0L, 0L, 0, 0, data, group);
    }

    /**
     * Writes the {@code length} bytes at {@code address} as one frame. Not through {@link #op}: one call level less
     * on the path of every frame written (see {@code IoUringWrites.processMessage}).
     */
    static IoUringIoOps write(int fd, long address, int length, long data) {
        return new IoUringIoOps(IORING_OP_WRITE, NO_FLAGS, (short) 0, fd, 0L, address, length, 0, data, (short) 0,
                (short) 0, 0, 0L);
    }

    /** Completes once {@code fd} has something to read. */
    static IoUringIoOps pollIn(int fd, long data) {
        return op(IORING_OP_POLL_ADD, NO_FLAGS, fd, 0L, 0L, 0, POLLIN, data, (short) 0);
    }

    /** Cancels the operation whose submission returned {@code target}. */
    static IoUringIoOps cancel(long target, long data) {
        return op(IORING_OP_ASYNC_CANCEL, NO_FLAGS, -1, 0L, target, 0, 0, data, (short) 0);
    }

    /** Completes with -ETIME after the {@code __kernel_timespec} at {@code timespec}, or at the next completion. */
    static IoUringIoOps timeout(long timespec, long data) {
        return op(IORING_OP_TIMEOUT, NO_FLAGS, -1, 0L, timespec, 1, 0, data, (short) 0);
    }

    /** Lends {@code count} buffers of {@code length} bytes from {@code address} on, with ids from {@code firstId}. */
    static IoUringIoOps provideBuffers(int count, int firstId, long address, int length, short group, long data) {
        // fd: the number of buffers; off: the first buffer id; addr and len: where the first is and how long each is.
        return op(IORING_OP_PROVIDE_BUFFERS, NO_FLAGS, count, firstId, address, length, 0, data, group);
    }

    /** Takes up to {@code count} buffers of {@code group} back from the kernel. */
    static IoUringIoOps removeBuffers(int count, short group, long data) {
        return op(IORING_OP_REMOVE_BUFFERS, NO_FLAGS, count, 0L, 0L, 0, 0, data, group);
    }

    private static IoUringIoOps op(byte opcode, byte flags, int fd, long offset, long address, int length,
            int opFlags, long data, short bufferGroup) {
        return new IoUringIoOps(opcode, flags, (short) 0, fd, offset, address, length, opFlags, data, bufferGroup,
                (short) 0, 0, 0L);
    }
}
