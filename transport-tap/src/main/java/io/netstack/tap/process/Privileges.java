package io.netstack.tap.process;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.Libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Least privilege for a program that needs CAP_NET_ADMIN only to create its devices: open and configure them first,
 * then {@link #dropTo(int, int)}. The open fds keep working (reading and writing frames needs no capability); the
 * process can no longer create, reconfigure or attach to devices, nor gain any capability back.
 */
public final class Privileges {
    private Privileges() {
    }

    /**
     * Becomes {@code uid}/{@code gid} in every thread of the process, with no supplementary groups. Leaving uid 0
     * clears the permitted, effective and ambient capability sets, so nothing can be regained; this method checks
     * that the effective set is empty afterwards.
     *
     * @param uid the user to become, e.g. 65534 for {@code nobody}
     * @param gid the group to become
     * @throws IOException if the kernel refuses (the message says which call), or capabilities remain
     */
    public static void dropTo(int uid, int gid) throws IOException {
        check(Libc.clearGroups(), "setgroups(0, NULL)");
        check(Libc.setresgid(gid), "setresgid(" + gid + ")");
        check(Libc.setresuid(uid), "setresuid(" + uid + ")");
        long effective = effectiveCapabilities();
        if (effective != 0) {
            throw new IOException("capabilities remain after becoming uid " + uid + ": CapEff="
                    + Long.toHexString(effective) + " (was the process started with SECBIT_KEEP_CAPS?)");
        }
    }

    /**
     * Reads the calling thread's effective capability set from {@code /proc/thread-self/status}.
     *
     * @return the set as a bit mask, bit {@code n} for capability {@code n} of {@code <linux/capability.h>} (bit 12
     *         is CAP_NET_ADMIN); 0 once privileges are dropped
     * @throws IOException if the file cannot be read
     */
    public static long effectiveCapabilities() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
            }
        }
        throw new IOException("no CapEff line in /proc/thread-self/status");
    }

    private static void check(int result, String call) throws IOException {
        if (result < 0) {
            throw new IOException(call + " failed: " + Errno.name(-result)
                    + (-result == Errno.EPERM
                            ? " (only a process with CAP_SETUID/CAP_SETGID can change its ids)" : ""));
        }
    }
}
