package io.netstack.tap.process;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.Libc;

import java.io.IOException;

/**
 * Private network namespaces for programs, tests and benchmarks that must not touch the host's network.
 *
 * <p>A network namespace belongs to a thread, not to the process: after {@link #enterNew()} the calling thread and
 * every thread or process it starts afterwards (event loops, {@code ip} commands) live in the new namespace, while
 * threads that already existed stay where they were. Create event loops after entering.
 */
public final class NetworkNamespace {
    private NetworkNamespace() {
    }

    /**
     * Moves the calling thread into a new, empty network namespace ({@code unshare(CLONE_NEWNET)}); it holds only
     * a loopback device, which is down. Needs CAP_SYS_ADMIN.
     *
     * @throws IOException if the kernel refuses; the message says why, and what to do about EPERM
     */
    public static void enterNew() throws IOException {
        int result = Libc.unshare(Libc.CLONE_NEWNET);
        if (result < 0) {
            throw new IOException("unshare(CLONE_NEWNET) failed: " + Errno.name(-result)
                    + (-result == Errno.EPERM ? " (a new network namespace needs CAP_SYS_ADMIN: run as root, or"
                            + " start the program under `unshare --user --map-root-user --net`)" : ""));
        }
    }
}
