package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.netstack.wire.testing.CapturedFrames.UDP_EMPTY;
import static io.netstack.wire.testing.CapturedFrames.UDP_HELLO;
import static io.netstack.wire.testing.CapturedFrames.padded;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void rejectsAWrongChecksum() {
        byte[] bytes = UDP_HELLO.clone();
        bytes[bytes.length - 1] = 'H';
        ByteBuf frame = wrap(bytes);
        try {
            assertTrue(ipv4.wrap(frame, IP, bytes.length - IP));
            assertFalse(udp.wrap(ipv4));
            assertEquals(DecodeError.UDP_BAD_CHECKSUM, udp.error());
            MalformedPacketException e = assertThrows(MalformedPacketException.class, () -> UdpDatagram.parse(ipv4));
            assertEquals(DecodeError.UDP_BAD_CHECKSUM, e.reason());
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
