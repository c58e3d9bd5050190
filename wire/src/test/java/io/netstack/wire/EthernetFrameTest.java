package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static io.netstack.wire.testing.CapturedFrames.ARP_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.padded;
import static io.netstack.wire.testing.CapturedFrames.tagged;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EthernetFrameTest {
    private final EthernetFrame ethernet = new EthernetFrame();

    @Test
    void readsAnUntaggedFrame() {
        ByteBuf frame = wrap(ARP_REQUEST);
        try {
            assertTrue(ethernet.wrap(frame));
            assertNull(ethernet.error());
            assertEquals(MacAddress.BROADCAST.value(), ethernet.destination());
            assertEquals(MacAddress.parse("02:00:5e:10:00:01"), ethernet.sourceAddress());
            assertEquals(EthernetFrame.ETHERTYPE_ARP, ethernet.etherType());
            assertEquals(0, ethernet.vlanTagCount());
            assertEquals(14, ethernet.payloadOffset());
            assertEquals(28, ethernet.payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void keepsPaddingOfAMinimumSizeFrameInThePayload() {
        ByteBuf frame = wrap(padded(ARP_REQUEST));
        try {
            assertTrue(ethernet.wrap(frame));
            assertEquals(60, ethernet.length());
            assertEquals(46, ethernet.payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void readsAn8021QTag() {
        // PCP 5, DEI set, VID 10.
        ByteBuf frame = wrap(tagged(ECHO_REQUEST, EthernetFrame.ETHERTYPE_VLAN, 5 << 13 | 0x1000 | 10));
        try {
            assertTrue(ethernet.wrap(frame));
            assertEquals(1, ethernet.vlanTagCount());
            assertEquals(EthernetFrame.ETHERTYPE_VLAN, ethernet.vlanTpid(0));
            assertEquals(0xb00a, ethernet.vlanTci(0));
            assertEquals(5, ethernet.vlanPcp(0));
            assertTrue(ethernet.vlanDei(0));
            assertEquals(10, ethernet.vlanId(0));
            assertEquals(EthernetFrame.ETHERTYPE_IPV4, ethernet.etherType());
            assertEquals(18, ethernet.headerLength());
            assertEquals(84, ethernet.payloadLength());
            assertThrows(IndexOutOfBoundsException.class, () -> ethernet.vlanTci(1));
        } finally {
            frame.release();
        }
    }

    @Test
    void readsAQinQStack() {
        ByteBuf frame = wrap(tagged(ECHO_REQUEST,
                EthernetFrame.ETHERTYPE_QINQ, 100, EthernetFrame.ETHERTYPE_VLAN, 200));
        try {
            assertTrue(ethernet.wrap(frame));
            assertEquals(2, ethernet.vlanTagCount());
            assertEquals(EthernetFrame.ETHERTYPE_QINQ, ethernet.vlanTpid(0));
            assertEquals(100, ethernet.vlanId(0));
            assertEquals(200, ethernet.vlanId(1));
            assertFalse(ethernet.vlanDei(1));
            assertEquals(EthernetFrame.ETHERTYPE_IPV4, ethernet.etherType());
            assertEquals(22, ethernet.payloadOffset());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsAThirdTag() {
        ByteBuf frame = wrap(tagged(ECHO_REQUEST, EthernetFrame.ETHERTYPE_QINQ, 1, EthernetFrame.ETHERTYPE_VLAN, 2,
                EthernetFrame.ETHERTYPE_VLAN, 3));
        try {
            assertFalse(ethernet.wrap(frame));
            assertEquals(DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS, ethernet.error());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsADeepStackOfTagsWithoutReadingPastTheFrame() {
        // 100 tags, the frame ending right after the last one: the view must stop at the third, whatever follows.
        ByteBuf frame = Unpooled.buffer(EthernetFrame.HEADER_LENGTH + 100 * EthernetFrame.VLAN_TAG_LENGTH);
        try {
            frame.writeZero(12);
            while (frame.isWritable()) {
                frame.writeShort(EthernetFrame.ETHERTYPE_VLAN);
            }
            assertFalse(ethernet.wrap(frame));
            assertEquals(DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS, ethernet.error());
            assertFalse(ethernet.wrap(frame, 0, 12 + 3 * EthernetFrame.VLAN_TAG_LENGTH),
                    "two tags and the third's TPID, nothing after it");
            assertEquals(DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS, ethernet.error());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsATagCutShort() {
        byte[] bytes = tagged(ARP_REQUEST, EthernetFrame.ETHERTYPE_VLAN, 10);
        ByteBuf frame = wrap(bytes);
        try {
            assertFalse(ethernet.wrap(frame, 0, 17));
            assertEquals(DecodeError.ETHERNET_TRUNCATED, ethernet.error());
            assertTrue(ethernet.wrap(frame, 0, 18));
        } finally {
            frame.release();
        }
    }

    @Test
    void reusesOneViewAcrossFramesAndOffsets() {
        ByteBuf frames = Unpooled.wrappedBuffer(ECHO_REQUEST, tagged(ARP_REQUEST, EthernetFrame.ETHERTYPE_VLAN, 7));
        try {
            assertTrue(ethernet.wrap(frames, 0, ECHO_REQUEST.length));
            assertEquals(EthernetFrame.ETHERTYPE_IPV4, ethernet.etherType());
            assertTrue(ethernet.wrap(frames, ECHO_REQUEST.length, ARP_REQUEST.length + 4));
            assertEquals(7, ethernet.vlanId(0));
            assertEquals(EthernetFrame.ETHERTYPE_ARP, ethernet.etherType());
            assertTrue(ethernet.wrap(frames, 0, ECHO_REQUEST.length));
            assertEquals(0, ethernet.vlanTagCount());
        } finally {
            frames.release();
        }
    }

    @Test
    void rejectsARangeOutsideTheBufferAsABug() {
        ByteBuf frame = wrap(ARP_REQUEST);
        try {
            assertThrows(IndexOutOfBoundsException.class, () -> ethernet.wrap(frame, 1, ARP_REQUEST.length));
            assertThrows(IndexOutOfBoundsException.class, () -> ethernet.wrap(frame, -1, 10));
        } finally {
            frame.release();
        }
    }

    @Test
    void parseThrowsWithTheReason() {
        ByteBuf frame = wrap(new byte[13]);
        try {
            MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> EthernetFrame.parse(frame));
            assertEquals(DecodeError.ETHERNET_TRUNCATED, e.reason());
            assertEquals(DecodeError.ETHERNET_TRUNCATED.description(), e.getMessage());
        } finally {
            frame.release();
        }
    }

    @Test
    void writesAHeader() {
        ByteBuf out = Unpooled.buffer();
        try {
            new EthernetHeader(MacAddress.BROADCAST.value(), 0x02005e100001L, EthernetFrame.ETHERTYPE_ARP).write(out);
            assertEquals(Unpooled.wrappedBuffer(ARP_REQUEST, 0, 14), out);
        } finally {
            out.release();
        }
    }

    @Test
    void aHeaderRejectsFieldsTooWideForTheWire() {
        assertThrows(IllegalArgumentException.class,
                () -> new EthernetHeader(1L << 48, 0, EthernetFrame.ETHERTYPE_ARP));
        assertThrows(IllegalArgumentException.class, () -> new EthernetHeader(0, 0, 0x10000));
    }
}
