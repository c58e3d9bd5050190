package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bytes written and not acknowledged, copied across the buffers they were written in. */
class SendBufferTest {

    @Test
    void copiesAcrossBuffersAndReleasesWhatIsAcknowledged() {
        SendBuffer buffer = new SendBuffer();
        ByteBuf first = Unpooled.copiedBuffer("hello ", StandardCharsets.US_ASCII);
        ByteBuf second = Unpooled.copiedBuffer("world", StandardCharsets.US_ASCII);
        buffer.add(first);
        buffer.add(second);
        buffer.add(Unpooled.EMPTY_BUFFER);
        assertEquals(11, buffer.size());
        ByteBuf out = Unpooled.buffer();
        buffer.copy(4, 4, out);
        assertEquals("o wo", out.toString(StandardCharsets.US_ASCII));
        buffer.acknowledge(7);
        assertEquals(0, first.refCnt(), "the first buffer is all acknowledged");
        assertEquals(4, buffer.size());
        out.clear();
        buffer.copy(0, 4, out);
        assertEquals("orld", out.toString(StandardCharsets.US_ASCII));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.copy(2, 3, Unpooled.buffer()));
        buffer.clear();
        assertEquals(0, second.refCnt());
        out.release();
    }
}
