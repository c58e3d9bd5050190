package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtioNetFrameTest {
    /** struct virtio_net_hdr {1, 1, 66, 1448, 34, 16} as a little-endian host lays it out, then a frame. */
    private static final String HEADER_HEX = "01" + "01" + "4200" + "a805" + "2200" + "1000";

    @Test
    void decodesTheLittleEndianHeaderAndKeepsTheFrameInTheSameBuffer() {
        ByteBuf buf = Unpooled.directBuffer().writeBytes(ByteBufUtil.decodeHexDump(HEADER_HEX + "cafe"));
        VirtioNetFrame frame = VirtioNetFrame.decode(buf);
        assertEquals(VirtioNetFrame.F_NEEDS_CSUM, frame.flags());
        assertTrue(frame.needsCsum());
        assertFalse(frame.dataValid());
        assertEquals(VirtioNetFrame.GSO_TCPV4, frame.gsoType());
        assertTrue(frame.isGso());
        assertEquals(66, frame.hdrLen());
        assertEquals(1448, frame.gsoSize());
        assertEquals(34, frame.csumStart());
        assertEquals(16, frame.csumOffset());
        assertSame(buf, frame.content(), "no copy, no slice");
        assertEquals("cafe", ByteBufUtil.hexDump(frame.content()));
        assertTrue(frame.release());
        assertEquals(0, buf.refCnt());
    }

    @Test
    void encodesTheSameBytes() {
        VirtioNetFrame frame = VirtioNetFrame.newInstance(1, 1, 66, 1448, 34, 16, Unpooled.buffer(1).writeByte(0));
        ByteBuf out = Unpooled.buffer(VirtioNetFrame.HEADER_LENGTH).writeZero(VirtioNetFrame.HEADER_LENGTH);
        frame.encodeHeader(out, 0);
        assertEquals(HEADER_HEX, ByteBufUtil.hexDump(out));
        frame.release();
    }

    @Test
    void theEcnBitIsPartOfGsoTypeButNotOfTheProtocol() {
        VirtioNetFrame frame = VirtioNetFrame.newInstance(0, VirtioNetFrame.GSO_TCPV6 | VirtioNetFrame.GSO_ECN, 0,
                1, 0, 0, Unpooled.buffer(1));
        assertEquals(VirtioNetFrame.GSO_TCPV6, frame.gsoProtocol());
        assertEquals(0x84, frame.gsoType());
        frame.release();
    }

    @Test
    void refusesFieldsWiderThanTheHeader() {
        ByteBuf content = Unpooled.buffer(1);
        assertThrows(IllegalArgumentException.class, () -> VirtioNetFrame.newInstance(0, 0, 0x10000, 0, 0, 0,
                content));
        assertThrows(IllegalArgumentException.class, () -> VirtioNetFrame.newInstance(256, 0, 0, 0, 0, 0,
                content));
        assertEquals(1, content.refCnt(), "a refused frame is not taken over");
        content.release();
    }

    @Test
    void countsReferencesOnBehalfOfItsContent() {
        ByteBuf content = Unpooled.buffer(1);
        VirtioNetFrame frame = VirtioNetFrame.newInstance(0, 0, 0, 0, 0, 0, content);
        frame.retain();
        assertEquals(2, content.refCnt());
        assertFalse(frame.release());
        VirtioNetFrame copy = frame.retainedDuplicate();
        assertEquals(2, copy.refCnt());
        assertFalse(copy.release());
        assertTrue(frame.release());
        assertEquals(0, content.refCnt());
        assertThrows(IllegalReferenceCountException.class, frame::content, "a released frame has no content");
    }

    @Test
    void takeContentHandsOverTheReference() {
        ByteBuf content = Unpooled.buffer(1);
        VirtioNetFrame frame = VirtioNetFrame.newInstance(0, 0, 0, 0, 0, 0, content);
        assertSame(content, frame.takeContent());
        assertEquals(1, content.refCnt());
        content.release();
    }
}
