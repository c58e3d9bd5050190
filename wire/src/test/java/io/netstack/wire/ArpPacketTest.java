package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import static io.netstack.wire.testing.CapturedFrames.ARP_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.padded;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpPacketTest {
    private final ArpPacket arp = new ArpPacket();

    @Test
    void readsTheKernelsRequest() {
        ByteBuf frame = wrap(ARP_REQUEST);
        try {
            assertTrue(arp.wrap(frame, 14, 28));
            assertEquals(ArpPacket.HTYPE_ETHERNET, arp.htype());
            assertEquals(ArpPacket.PTYPE_IPV4, arp.ptype());
            assertEquals(6, arp.hlen());
            assertEquals(4, arp.plen());
            assertEquals(ArpPacket.OPER_REQUEST, arp.oper());
            assertTrue(arp.isRequest());
            assertFalse(arp.isReply());
            assertEquals(0x02005e100001L, arp.sha());
            assertEquals(Ipv4Address.parse("192.0.2.1").value(), arp.spa());
            assertEquals(0, arp.tha());
            assertEquals(Ipv4Address.parse("192.0.2.2").value(), arp.tpa());
            assertFalse(arp.isGratuitous());
        } finally {
            frame.release();
        }
    }

    @Test
    void ignoresEthernetPadding() {
        ByteBuf frame = wrap(padded(ARP_REQUEST));
        try {
            assertTrue(arp.wrap(frame, 14, 46));
            assertEquals(ArpPacket.LENGTH, arp.length());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsOtherAddressFormats() {
        byte[] bytes = ARP_REQUEST.clone();
        bytes[14 + 4] = 8; // hlen 8, as for no Ethernet
        ByteBuf frame = wrap(bytes);
        try {
            assertFalse(arp.wrap(frame, 14, 28));
            assertEquals(DecodeError.ARP_UNSUPPORTED_ADDRESS_FORMAT, arp.error());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsATruncatedPacket() {
        ByteBuf frame = wrap(ARP_REQUEST);
        try {
            assertFalse(arp.wrap(frame, 14, 27));
            assertEquals(DecodeError.ARP_TRUNCATED, arp.error());
            MalformedPacketException e = assertThrows(MalformedPacketException.class,
                    () -> ArpPacket.parse(frame.slice(14, 7)));
            assertEquals(DecodeError.ARP_TRUNCATED, e.reason());
        } finally {
            frame.release();
        }
    }
}
