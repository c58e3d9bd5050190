package io.netstack.wire;

import io.netstack.wire.testing.OffloadFrames;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpSegmentTest {
    @Test
    void readsTheFieldsOfASegmentOverIpv4() {
        ByteBuf frame = OffloadFrames.of(false, false).tcp(9, 0x80000001, TcpSegment.ACK | TcpSegment.PSH,
                new byte[5], false);
        try {
            Ipv4Packet ip = Ipv4Packet.parse(frame);
            TcpSegment tcp = TcpSegment.parse(ip);
            assertTrue(tcp.isChecksumValid(ip));
            assertEquals(40000, tcp.sourcePort());
            assertEquals(80, tcp.destinationPort());
            assertEquals(0x80000001, tcp.sequenceNumber());
            assertEquals(0x01020304, tcp.acknowledgmentNumber());
            assertEquals(8, tcp.dataOffset());
            assertEquals(32, tcp.headerLength());
            assertEquals(12, tcp.optionsLength());
            assertTrue(tcp.hasFlags(TcpSegment.ACK | TcpSegment.PSH));
            assertFalse(tcp.hasFlags(TcpSegment.SYN));
            assertEquals(500, tcp.window());
            assertEquals(0, tcp.urgentPointer());
            assertEquals(5, tcp.payloadLength());
            assertEquals(20 + 32, tcp.payloadOffset());
        } finally {
            frame.release();
        }
    }

    @Test
    void verifiesTheChecksumOverIpv6() {
        ByteBuf frame = OffloadFrames.of(false, true).tcp(0, 1, TcpSegment.ACK, new byte[7], false);
        try {
            Ipv6Packet ip = Ipv6Packet.parse(frame);
            assertEquals(6, ip.version());
            assertEquals(0x12345, ip.flowLabel());
            assertEquals(64, ip.hopLimit());
            assertEquals(OffloadFrames.TCP, ip.nextHeader());
            assertEquals("/2001:db8:0:0:0:0:0:2", ip.destinationAddress().toString());
            TcpSegment tcp = new TcpSegment();
            assertTrue(tcp.wrap(ip));
            assertTrue(tcp.isChecksumValid(ip));
            frame.setByte(frame.writerIndex() - 1, 1);
            assertTrue(tcp.wrap(ip), "wrap checks the structure only");
            assertFalse(tcp.isChecksumValid(ip));
        } finally {
            frame.release();
        }
    }

    @Test
    void aPartialChecksumDoesNotVerify() {
        ByteBuf frame = OffloadFrames.of(false, false).tcp(1, 1, TcpSegment.ACK, new byte[9], true);
        try {
            Ipv4Packet ip = Ipv4Packet.parse(frame);
            TcpSegment tcp = TcpSegment.parse(ip);
            assertEquals(9, tcp.payloadLength());
            assertFalse(tcp.isChecksumValid(ip), "the field holds the pseudo-header sum only");
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsATruncatedHeaderOrABadDataOffset() {
        ByteBuf frame = OffloadFrames.of(false, false).tcp(1, 1, TcpSegment.ACK, new byte[0], false);
        try {
            TcpSegment tcp = new TcpSegment();
            assertFalse(tcp.wrap(frame, 20, 19));
            assertEquals(DecodeError.TCP_TRUNCATED, tcp.error());
            frame.setByte(20 + 12, 4 << 4);
            assertFalse(tcp.wrap(frame, 20, frame.readableBytes() - 20));
            assertEquals(DecodeError.TCP_BAD_DATA_OFFSET, tcp.error());
            assertThrows(MalformedPacketException.class, () -> Ipv6Packet.parse(frame));
        } finally {
            frame.release();
        }
    }
}
