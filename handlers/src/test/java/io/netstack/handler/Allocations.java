package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the tests of allocation-free receive paths measure with, and the buffers they measure over. */
public final class Allocations {
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private Allocations() {
    }

    /**
     * Runs {@code work} once to warm up, so that the measurement sees compiled code rather than the interpreter's
     * start-up, then again while counting this thread's allocations.
     *
     * @param work decodes something and returns a sum of the fields it read, so that nothing is optimised away
     * @return the bytes the second run allocated
     */
    public static long ofSecondRun(LongSupplier work) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = work.getAsLong();
        long before = threads.getCurrentThreadAllocatedBytes();
        sum += work.getAsLong();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum != 0, "the decoded fields were read");
        return allocated;
    }

    /**
     * A direct buffer outside leak detection, whose PARANOID mode records every access of a tracked buffer and so
     * allocates on each read.
     */
    public static ByteBuf untracked(byte[] bytes) {
        return UNTRACKED.directBuffer(bytes.length).writeBytes(bytes);
    }
}
