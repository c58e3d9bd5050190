package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT;
import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST_RECORD_ROUTE;
import static io.netstack.wire.testing.CapturedFrames.UDP_HELLO;
import static io.netstack.wire.testing.CapturedFrames.echoRequestFirstFragment;
import static io.netstack.wire.testing.CapturedFrames.padded;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4PacketTest {
    private static final int IP = EthernetFrame.HEADER_LENGTH;

    private final Ipv4Packet ipv4 = new Ipv4Packet();

    @Test
    void readsEveryFieldOfAPing() {
        ByteBuf frame = wrap(ECHO_REQUEST);
        try {
            assertTrue(ipv4.wrap(frame, IP, ECHO_REQUEST.length - IP));
            assertEquals(4, ipv4.version());
            assertEquals(5, ipv4.ihl());
            assertEquals(20, ipv4.headerLength());
            assertEquals(0, ipv4.dscp());
            assertEquals(0, ipv4.ecn());
            assertEquals(84, ipv4.totalLength());
            assertEquals(84, ipv4.length());
            assertEquals(0xaeed, ipv4.identification());
            assertTrue(ipv4.dontFragment());
            assertFalse(ipv4.moreFragments());
            assertEquals(0, ipv4.fragmentOffset());
            assertFalse(ipv4.isFragment());
            assertEquals(64, ipv4.ttl());
            assertEquals(Ipv4Packet.PROTOCOL_ICMP, ipv4.protocol());
            assertEquals(0x07b8, ipv4.headerChecksum());
            assertEquals(Ipv4Address.parse("192.0.2.1"), ipv4.sourceAddress());
            assertEquals(Ipv4Address.parse("192.0.2.2").value(), ipv4.destination());
            assertEquals(0, ipv4.optionsLength());
            assertEquals(IP + 20, ipv4.payloadOffset());
            assertEquals(64, ipv4.payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void skipsOptionsByIhl() {
        ByteBuf frame = wrap(ECHO_REQUEST_RECORD_ROUTE);
        try {
            assertTrue(ipv4.wrap(frame, IP, ECHO_REQUEST_RECORD_ROUTE.length - IP));
            assertEquals(15, ipv4.ihl());
            assertEquals(60, ipv4.headerLength());
            assertEquals(IP + 20, ipv4.optionsOffset());
            assertEquals(40, ipv4.optionsLength());
            // NOP, then Record Route (type 7, length 39, pointer 8) holding 192.0.2.1.
            assertEquals("01072708c0000201", ByteBufUtil.hexDump(ipv4.options(), 0, 8));
            assertEquals(IP + 60, ipv4.payloadOffset());
            assertEquals(64, ipv4.payloadLength());
            assertEquals(Icmpv4Packet.TYPE_ECHO_REQUEST, frame.getUnsignedByte(ipv4.payloadOffset()));
        } finally {
            frame.release();
        }
    }

    @Test
    void flagsFragments() {
        ByteBuf first = wrap(echoRequestFirstFragment());
        ByteBuf last = wrap(ECHO_REQUEST_LAST_FRAGMENT);
        try {
            assertTrue(ipv4.wrap(first, IP, first.readableBytes() - IP));
            assertTrue(ipv4.moreFragments());
            assertFalse(ipv4.dontFragment());
            assertEquals(0, ipv4.fragmentOffset());
            assertTrue(ipv4.isFragment());
            assertEquals(1480, ipv4.payloadLength());

            assertTrue(ipv4.wrap(last, IP, last.readableBytes() - IP));
            assertFalse(ipv4.moreFragments());
            assertEquals(0xb9, ipv4.fragmentOffset());
            assertEquals(1480, ipv4.fragmentOffsetBytes());
            assertTrue(ipv4.isFragment());
            assertEquals(0xafa2, ipv4.identification());
        } finally {
            first.release();
            last.release();
        }
    }

    @Test
    void usesTheTotalLengthNotThePadding() {
        ByteBuf frame = wrap(padded(UDP_HELLO));
        try {
            assertTrue(ipv4.wrap(frame, IP, 60 - IP));
            assertEquals(33, ipv4.length());
            assertEquals(13, ipv4.payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void readsDscpAndEcn() {
        // Expedited Forwarding (DSCP 46, RFC 3246) with ECT(1).
        ByteBuf frame = wrap(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 1, 46 << 2 | 1));
        try {
            assertTrue(ipv4.wrap(frame, IP, ECHO_REQUEST.length - IP));
            assertEquals(46, ipv4.dscp());
            assertEquals(1, ipv4.ecn());
        } finally {
            frame.release();
        }
    }

    @Test
    void verifiesTheChecksumAsAStepOfItsOwn() {
        byte[] bytes = ECHO_REQUEST.clone();
        bytes[IP + 8]--; // TTL 63, checksum left as for 64
        ByteBuf frame = wrap(bytes);
        ByteBuf good = wrap(ECHO_REQUEST);
        try {
            assertTrue(ipv4.wrap(frame, IP, bytes.length - IP), "the structure is sound: " + ipv4.error());
            assertEquals(63, ipv4.ttl());
            assertFalse(ipv4.isChecksumValid());
            assertFalse(Ipv4Packet.parse(frame.slice(IP, bytes.length - IP)).isChecksumValid(),
                    "parse checks structure only, as wrap does");
            assertTrue(ipv4.wrap(good, IP, ECHO_REQUEST.length - IP));
            assertTrue(ipv4.isChecksumValid());
        } finally {
            frame.release();
            good.release();
        }
    }

    @Test
    void checksumCoversTheOptions() {
        byte[] bytes = ECHO_REQUEST_RECORD_ROUTE.clone();
        ByteBuf frame = wrap(bytes);
        try {
            assertTrue(ipv4.wrap(frame, IP, bytes.length - IP));
            assertTrue(ipv4.isChecksumValid());
            frame.setByte(IP + 59, 1); // the last option byte
            assertFalse(ipv4.isChecksumValid());
        } finally {
            frame.release();
        }
    }

    @Test
    void oneViewIsReusedOverManyPackets() {
        ByteBuf[] frames = {wrap(ECHO_REQUEST), wrap(padded(UDP_HELLO)), wrap(ECHO_REQUEST_RECORD_ROUTE),
                wrap(ECHO_REQUEST_LAST_FRAGMENT)};
        int[][] expected = {{84, Ipv4Packet.PROTOCOL_ICMP, 20}, {33, Ipv4Packet.PROTOCOL_UDP, 20},
                {124, Ipv4Packet.PROTOCOL_ICMP, 60}, {148, Ipv4Packet.PROTOCOL_ICMP, 20}};
        Ipv4Packet reused = new Ipv4Packet();
        try {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < frames.length; i++) {
                    ByteBuf frame = frames[i];
                    assertTrue(reused.wrap(frame, IP, frame.readableBytes() - IP));
                    assertEquals(expected[i][0], reused.length());
                    assertEquals(expected[i][1], reused.protocol());
                    assertEquals(expected[i][2], reused.headerLength());
                    assertTrue(reused.isChecksumValid());
                    assertEquals(frame, reused.buffer());
                }
                // A failed wrap leaves nothing behind for the next one.
                ByteBuf bad = wrap(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 0, 0x65));
                try {
                    assertFalse(reused.wrap(bad, IP, ECHO_REQUEST.length - IP));
                    assertEquals(DecodeError.IPV4_BAD_VERSION, reused.error());
                } finally {
                    bad.release();
                }
            }
        } finally {
            for (ByteBuf frame : frames) {
                frame.release();
            }
        }
    }

    @Test
    void rejectsAnotherVersion() {
        assertRejected(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 0, 0x65), DecodeError.IPV4_BAD_VERSION);
    }

    @Test
    void rejectsIhlBelowFive() {
        assertRejected(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 0, 0x44), DecodeError.IPV4_BAD_HEADER_LENGTH);
    }

    @Test
    void rejectsATotalLengthShorterThanTheHeader() {
        assertRejected(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST_RECORD_ROUTE, 3, 40),
                DecodeError.IPV4_BAD_TOTAL_LENGTH);
    }

    @Test
    void rejectsATotalLengthBeyondTheFrame() {
        assertRejected(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 3, 85), DecodeError.IPV4_TRUNCATED);
    }

    @Test
    void rejectsAHeaderLengthBeyondTheBuffer() {
        // IHL 15 (60 bytes) in a buffer that ends after the 20-byte fixed header.
        byte[] header = Arrays.copyOfRange(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 0, 0x4f),
                IP, IP + Ipv4Packet.MIN_HEADER_LENGTH);
        ByteBuf packet = wrap(header);
        try {
            packet.setShort(2, 60);
            assertFalse(ipv4.wrap(packet));
            assertEquals(DecodeError.IPV4_TRUNCATED, ipv4.error(), "total length 60 in 20 bytes");
            packet.setShort(2, 20);
            assertFalse(ipv4.wrap(packet));
            assertEquals(DecodeError.IPV4_BAD_TOTAL_LENGTH, ipv4.error(), "total length 20 below the header's 60");
        } finally {
            packet.release();
        }
    }

    @Test
    void acceptsTheLargestPacketAndIgnoresWhatFollowsIt() {
        // A UDP datagram as large as IPv4 allows (total length 65535), at the start of 70000 bytes.
        ByteBuf data = Unpooled.buffer(0xffff - 28).writeZero(0xffff - 28);
        ByteBuf frame = new EthernetHeader(0x02005e100001L, 0x02005e100002L, EthernetFrame.ETHERTYPE_IPV4)
                .prependTo(Frames.udp(UnpooledByteBufAllocator.DEFAULT,
                        Ipv4Header.of(0xc0000202, 0xc0000201, Ipv4Packet.PROTOCOL_UDP), new UdpHeader(7, 40000),
                        data, 0, data.readableBytes()));
        try {
            assertEquals(IP + 0xffff, frame.readableBytes());
            frame.writeZero(70_000 - IP - 0xffff);
            assertTrue(ipv4.wrap(frame, IP, 70_000 - IP));
            assertEquals(0xffff, ipv4.length());
            UdpDatagram udp = new UdpDatagram();
            assertTrue(udp.wrap(ipv4));
            assertTrue(udp.isChecksumValid(ipv4), "checksum over 65515 bytes");
            assertEquals(0xffff - 28, udp.payloadLength());
        } finally {
            data.release();
            frame.release();
        }
    }

    @Test
    void parseThrows() {
        ByteBuf frame = wrap(CapturedFrames.withIpv4HeaderByte(ECHO_REQUEST, 0, 0x65));
        try {
            MalformedPacketException e = assertThrows(MalformedPacketException.class,
                    () -> Ipv4Packet.parse(frame.slice(IP, ECHO_REQUEST.length - IP)));
            assertEquals(DecodeError.IPV4_BAD_VERSION, e.reason());
        } finally {
            frame.release();
        }
    }

    private void assertRejected(byte[] bytes, DecodeError expected) {
        ByteBuf frame = wrap(bytes);
        try {
            assertFalse(ipv4.wrap(frame, IP, bytes.length - IP));
            assertEquals(expected, ipv4.error());
        } finally {
            frame.release();
        }
    }
}
