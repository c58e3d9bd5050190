package io.netstack.handler.tcp;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An allocator that remembers every buffer it hands out, so that a test can tell that each was released, whatever the
 * leak detector's level. Heap buffers only, since nothing here reaches a device; single-threaded.
 */
final class CountingAllocator extends AbstractByteBufAllocator {
    /** Without leak detection of its own: this allocator's wrapping adds it. */
    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

    private final List<ByteBuf> allocated = new ArrayList<>();

    CountingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buffer = HEAP.heapBuffer(initialCapacity, maxCapacity);
        allocated.add(buffer);
        return buffer;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** Checks that every buffer handed out, and so every slice of one, was released. */
    void assertAllReleased() {
        for (int i = 0; i < allocated.size(); i++) {
            assertEquals(0, allocated.get(i).refCnt(), "buffer " + i + " of " + allocated.size() + " released");
        }
    }
}
