package io.netstack.tap.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The kernel's {@code struct __kernel_timespec} (64-bit seconds, then nanoseconds), as io_uring's timeouts read it. */
public final class KernelTimespec {
    private KernelTimespec() {
    }

    /**
     * The address of a timespec of {@code nanos} in memory that lives as long as the JVM: for a constant that
     * operations submitted from any thread may point to at any time (the kernel copies it when it takes the
     * operation, and never writes it).
     */
    public static long constant(long nanos) {
        MemorySegment timespec = Arena.global().allocate(2 * JAVA_LONG.byteSize(), JAVA_LONG.byteAlignment());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(nanos);
        timespec.set(JAVA_LONG, 0, seconds);
        timespec.set(JAVA_LONG, JAVA_LONG.byteSize(), nanos - TimeUnit.SECONDS.toNanos(seconds));
        return timespec.address();
    }
}
