package io.netstack.tap;

import io.netty.channel.IoEventLoop;

/**
 * Netty's io_uring, which an application brings only if it uses it: every path to a class of it goes through here,
 * after a check that the classes are there, so that an epoll-only application never loads one (and never fails on
 * a missing one). This class names no io_uring type itself.
 */
final class OptionalIoUring {
    /** Why Netty's io_uring classes cannot be loaded, or {@code null} if they can. */
    private static final Throwable MISSING = findClasses();

    private OptionalIoUring() {
    }

    private static Throwable findClasses() {
        try {
            Class.forName("io.netty.channel.uring.IoUringIoHandle", false, OptionalIoUring.class.getClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return e;
        }
    }

    /** Whether {@code loop} is an io_uring loop of Netty's. */
    static boolean isCompatible(IoEventLoop loop) {
        return MISSING == null && IoUringTapIo.isCompatible(loop);
    }

    static TapIo newIo(TapChannel channel) {
        return IoUringTapIo.create(channel);
    }

    /** Whether Netty's io_uring classes are there and the kernel allows io_uring. */
    static boolean isAvailable() {
        return MISSING == null && IoUringTapIo.isAvailable();
    }

    /** Why {@link #isAvailable()} is false, or {@code null}. */
    static Throwable unavailabilityCause() {
        return MISSING != null ? MISSING : IoUringTapIo.unavailabilityCause();
    }
}
