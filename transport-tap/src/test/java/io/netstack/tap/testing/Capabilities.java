package io.netstack.tap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Reads and drops the calling thread's capabilities (capabilities are per thread on Linux). */
public final class Capabilities {
    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_SYS_ADMIN = 21;

    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CAPGET = LINKER.downcallHandle(
            LINKER.defaultLookup().find("capget").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CAPSET = LINKER.downcallHandle(
            LINKER.defaultLookup().find("capset").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private Capabilities() {
    }

    /** The names of the capabilities missing from this thread's effective set, or {@code null} if none is. */
    static String missing(int... capabilities) {
        long effective = effective();
        StringBuilder missing = new StringBuilder();
        for (int cap : capabilities) {
            if ((effective & (1L << cap)) == 0) {
                missing.append(missing.isEmpty() ? "" : " and ").append(name(cap));
            }
        }
        return missing.isEmpty() ? null : missing.toString();
    }

    private static String name(int cap) {
        return switch (cap) {
            case CAP_NET_ADMIN -> "CAP_NET_ADMIN";
            case CAP_SYS_ADMIN -> "CAP_SYS_ADMIN";
            default -> "capability " + cap;
        };
    }

    private static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                }
            }
            throw new IllegalStateException("no CapEff line in /proc/thread-self/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes {@code capability} from the calling thread's effective set; other threads keep theirs. */
    public static void dropEffective(int capability) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8);
            header.set(JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
            header.set(JAVA_INT, 4, 0);
            // Two __user_cap_data_struct {effective, permitted, inheritable}: capabilities 0-31, then 32-63.
            MemorySegment data = arena.allocate(24);
            if ((int) CAPGET.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capget failed");
            }
            int word = capability / 32;
            long offset = word * 12L;
            data.set(JAVA_INT, offset, data.get(JAVA_INT, offset) & ~(1 << (capability % 32)));
            if ((int) CAPSET.invokeExact(header, data) != 0) {
                throw new IllegalStateException("capset failed");
            }
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }
}
