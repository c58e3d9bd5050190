package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Segments held past a gap: trimmed of overlaps, delivered in order, reported as SACK blocks. */
class OutOfOrderQueueTest {
    private final OutOfOrderQueue queue = new OutOfOrderQueue();

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void deliversWhatFollowsTheGapOnceInOrderWithoutOverlaps() {
        queue.add(105, text("fghij"));
        queue.add(103, text("defgh")); // overlaps the one held
        queue.add(108, text("ij")); // held already
        List<String> delivered = new ArrayList<>();
        int next = queue.takeInOrder(102, data -> {
            delivered.add(data.toString(StandardCharsets.US_ASCII));
            data.release();
        });
        assertEquals(102, next, "the gap at 102 is still open");
        next = queue.takeInOrder(104, data -> {
            delivered.add(data.toString(StandardCharsets.US_ASCII));
            data.release();
        });
        assertEquals(110, next);
        assertEquals(List.of("e", "fghij"), delivered, "what 104 left of the trimmed segment, then the next");
        assertTrue(queue.isEmpty());
    }

    @Test
    void reportsTheBlockOfTheLastSegmentFirst() {
        queue.add(200, text("aaaa"));
        queue.add(204, text("bbbb"));
        queue.add(300, text("cccc"));
        queue.add(100, text("dddd"));
        int[] edges = new int[8];
        assertEquals(3, queue.sackBlocks(edges, 4));
        assertArrayEquals(new int[]{100, 104, 200, 208, 300, 304, 0, 0}, edges);
        queue.add(208, text("e"));
        assertEquals(2, queue.sackBlocks(edges, 2));
        assertArrayEquals(new int[]{200, 209, 100, 104}, new int[]{edges[0], edges[1], edges[2], edges[3]});
        queue.clear();
    }

    @Test
    void dropsAndCountsBeyondItsBound() {
        for (int i = 0; i <= OutOfOrderQueue.MAX_SEGMENTS; i++) {
            queue.add(1000 + 10 * i, text("x"));
        }
        assertEquals(1, queue.dropped());
        queue.clear();
    }
}
