package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decodes ICMPv6 messages the kernel sent. */
class Icmpv6PacketTest {
    private final Ipv6Packet ip = new Ipv6Packet();
    private final Icmpv6Packet icmp = new Icmpv6Packet();
    private ByteBuf frame;

    @AfterEach
    void release() {
        frame.release();
    }

    /** Wraps the IPv6 packet of a captured frame, and the ICMPv6 message right after its fixed header. */
    private void decode(byte[] captured) {
        frame = CapturedFrames.pooled(captured);
        assertTrue(ip.wrap(frame, EthernetFrame.HEADER_LENGTH, captured.length - EthernetFrame.HEADER_LENGTH));
        assertEquals(Ipv6Packet.PROTOCOL_ICMPV6, ip.nextHeader());
        assertTrue(icmp.wrap(frame, ip.payloadOffset(), ip.payloadLength()));
        assertTrue(icmp.isChecksumValid(ip));
    }

    @Test
    void readsAnEchoRequest() {
        decode(CapturedIpv6Frames.ECHO_REQUEST);
        assertTrue(icmp.isEchoRequest());
        assertFalse(icmp.isEchoReply());
        assertFalse(icmp.isError());
        assertEquals(Icmpv6Packet.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x5906, icmp.checksum());
        assertEquals(0x1234, icmp.identifier());
        assertEquals(1, icmp.sequenceNumber());
        assertEquals(56, icmp.payloadLength());
        assertEquals(0x10, frame.getUnsignedByte(icmp.payloadOffset()));
    }

    @Test
    void readsAPortUnreachableAndTheDatagramItQuotes() {
        decode(CapturedIpv6Frames.PORT_UNREACHABLE);
        assertTrue(icmp.isError());
        assertEquals(Icmpv6Packet.TYPE_DESTINATION_UNREACHABLE, icmp.type());
        assertEquals(Icmpv6Packet.CODE_PORT_UNREACHABLE, icmp.code());
        Ipv6Packet quoted = new Ipv6Packet();
        assertTrue(quoted.wrap(frame, icmp.invokingPacketOffset(), icmp.invokingPacketLength()));
        assertEquals(Ipv4Packet.PROTOCOL_UDP, quoted.nextHeader());
        assertTrue(Ipv6Address.parse("2001:db8::2").matches(frame, quoted.sourceOffset()));
        UdpDatagram udp = new UdpDatagram();
        assertTrue(udp.wrap(quoted));
        assertEquals(9, udp.destinationPort());
        assertTrue(udp.isChecksumValid(quoted));
    }

    @Test
    void readsTheParameterProblemPointer() {
        decode(CapturedIpv6Frames.PARAMETER_PROBLEM);
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, icmp.type());
        assertEquals(Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, icmp.code());
        assertEquals(42, icmp.pointer());
        assertEquals(48, icmp.invokingPacketLength());
    }

    @Test
    void readsTheMtuOfPacketTooBig() {
        frame = Unpooled.wrappedBuffer(new byte[] {2, 0, 0, 0, 0, 0, 0x05, (byte) 0xdc});
        assertTrue(icmp.wrap(frame));
        assertTrue(icmp.isError());
        assertEquals(1500, icmp.mtu());
    }

    @Test
    void failsTheChecksumOfAnyChangedByteOrOtherAddresses() {
        decode(CapturedIpv6Frames.ECHO_REQUEST);
        frame.setByte(icmp.payloadOffset() + 3, 0);
        assertFalse(icmp.isChecksumValid(ip));
        frame.setByte(icmp.payloadOffset() + 3, 0x13);
        assertTrue(icmp.isChecksumValid(ip));
        frame.setByte(ip.destinationOffset() + 15, 3); // the pseudo-header covers the addresses
        assertFalse(icmp.isChecksumValid(ip));
    }

    @Test
    void rejectsMessagesShorterThanTheHeader() {
        frame = Unpooled.wrappedBuffer(new byte[7]);
        assertFalse(icmp.wrap(frame));
        assertEquals(DecodeError.ICMPV6_TRUNCATED, icmp.error());
        MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> Icmpv6Packet.parse(frame));
        assertEquals(DecodeError.ICMPV6_TRUNCATED, e.reason());
    }
}
