package io.netstack.wire;

import io.netstack.wire.testing.OffloadFrames;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.netstack.wire.testing.CapturedFrames.UDP_EMPTY;
import static io.netstack.wire.testing.CapturedFrames.UDP_HELLO;
import static io.netstack.wire.testing.CapturedFrames.padded;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpDatagramTest {
    private static final int IP = EthernetFrame.HEADER_LENGTH;
    private static final int UDP = IP + Ipv4Packet.MIN_HEADER_LENGTH;

    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final UdpDatagram udp = new UdpDatagram();

    @Test
    void readsADatagramAndVerifiesItsChecksum() {
        ByteBuf frame = wrap(padded(UDP_HELLO));
        try {
            assertTrue(ipv4.wrap(frame, IP, frame.readableBytes() - IP));
            assertTrue(udp.wrap(ipv4));
            assertTrue(udp.isChecksumValid(ipv4));
            assertEquals(40000, udp.sourcePort());
            assertEquals(7, udp.destinationPort());
            assertEquals(13, udp.lengthField());
            assertEquals(13, udp.length());
            assertEquals(0x9bb6, udp.checksum());
            assertEquals(UDP + 8, udp.payloadOffset());
            assertEquals("hello", udp.payload().toString(StandardCharsets.US_ASCII));
        } finally {
            frame.release();
        }
    }

    @Test
    void readsAnEmptyDatagram() {
        ByteBuf frame = wrap(UDP_EMPTY);
        try {
            UdpDatagram parsed = UdpDatagram.parse(Ipv4Packet.parse(frame.slice(IP, UDP_EMPTY.length - IP)));
            assertEquals(40001, parsed.sourcePort());
            assertEquals(0, parsed.payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void verifiesTheChecksumAsAStepOfItsOwn() {
        byte[] bytes = UDP_HELLO.clone();
        bytes[bytes.length - 1] = 'H';
        ByteBuf frame = wrap(bytes);
        try {
            assertTrue(ipv4.wrap(frame, IP, bytes.length - IP));
            assertTrue(udp.wrap(ipv4), "the structure is sound");
            assertEquals("hellH", udp.payload().toString(StandardCharsets.US_ASCII));
            assertFalse(udp.isChecksumValid(ipv4));
            assertFalse(UdpDatagram.parse(ipv4).isChecksumValid(ipv4), "parse checks structure only");
        } finally {
            frame.release();
        }
    }

    @Test
    void theChecksumCoversThePseudoHeader() {
        // Another destination address, the IPv4 header checksum made right again: only the UDP checksum fails.
        ByteBuf frame = wrap(io.netstack.wire.testing.CapturedFrames.withIpv4HeaderByte(UDP_HELLO, 19, 3));
        try {
            assertTrue(ipv4.wrap(frame, IP, UDP_HELLO.length - IP));
            assertTrue(ipv4.isChecksumValid());
            assertTrue(udp.wrap(ipv4));
            assertFalse(udp.isChecksumValid(ipv4));
        } finally {
            frame.release();
        }
    }

    @Test
    void verifiesOverIpv6WhereAZeroChecksumIsInvalid() {
        ByteBuf frame = OffloadFrames.of(false, true).udp(0, new byte[] {1, 2, 3}, false);
        try {
            Ipv6Packet ip = Ipv6Packet.parse(frame);
            assertTrue(udp.wrap(ip));
            assertEquals(3, udp.payloadLength());
            assertTrue(udp.isChecksumValid(ip));
            udp.setChecksum(0);
            assertFalse(udp.isChecksumValid(ip), "RFC 8200 section 8.1: IPv6 has no checksum-less UDP");
        } finally {
            frame.release();
        }
    }

    @Test
    void acceptsAZeroChecksumAsNone() {
        byte[] bytes = UDP_HELLO.clone();
        bytes[UDP + 6] = 0;
        bytes[UDP + 7] = 0;
        bytes[bytes.length - 1] = 'H'; // would fail any checksum
        ByteBuf frame = wrap(bytes);
        try {
            assertTrue(ipv4.wrap(frame, IP, bytes.length - IP));
            assertTrue(udp.wrap(ipv4));
            assertTrue(udp.isChecksumValid(ipv4));
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsALengthFieldBelowTheHeader() {
        byte[] bytes = UDP_HELLO.clone();
        bytes[UDP + 5] = 7;
        ByteBuf frame = wrap(bytes);
        try {
            assertFalse(udp.wrap(frame, UDP, 13));
            assertEquals(DecodeError.UDP_BAD_LENGTH, udp.error());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsALengthFieldBeyondThePacket() {
        ByteBuf frame = wrap(UDP_HELLO);
        try {
            assertFalse(udp.wrap(frame, UDP, 12));
            assertEquals(DecodeError.UDP_TRUNCATED, udp.error());
            assertFalse(udp.wrap(frame, UDP, 7));
            assertEquals(DecodeError.UDP_TRUNCATED, udp.error());
        } finally {
            frame.release();
        }
    }
}
