package io.netstack.handler;

import io.netty.buffer.AbstractByteBufAllocator;
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

    /**
     * An allocator that hands out one untracked direct buffer over and over, each time with one more reference that
     * the buffer's user releases: the allocation-free steady state of a pool's thread cache, without the leak
     * detector, for measuring paths that allocate a buffer per frame. Single-threaded; buffers up to 4 KiB.
     */
    static final class Recycling extends AbstractByteBufAllocator {
        private final ByteBuf buffer = UNTRACKED.directBuffer(4096);

        Recycling() {
            super(true);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return newDirectBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            if (initialCapacity > buffer.capacity()) {
                throw new IllegalArgumentException("more than the recycled buffer holds: " + initialCapacity);
            }
            return buffer.retain().clear();
        }

        @Override
        public boolean isDirectBufferPooled() {
            return true;
        }

        /** Releases the buffer for good. */
        void release() {
            buffer.release();
        }
    }
}
