package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every captured frame cut at every byte offset, and corrupted at random, must be rejected with a
 * {@link DecodeError} by the views, or with a {@link MalformedPacketException} by the {@code parse} methods: never
 * with any other exception.
 */
class TruncationTest {
    private final EthernetFrame ethernet = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final Icmpv4Packet icmp = new Icmpv4Packet();
    private final UdpDatagram udp = new UdpDatagram();

    static Stream<Arguments> frames() {
        return Stream.of(
                Arguments.of("ARP request", CapturedFrames.ARP_REQUEST),
                Arguments.of("echo request", CapturedFrames.ECHO_REQUEST),
                Arguments.of("echo request with options", CapturedFrames.ECHO_REQUEST_RECORD_ROUTE),
                Arguments.of("last fragment", CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT),
                Arguments.of("UDP", CapturedFrames.UDP_HELLO),
                Arguments.of("empty UDP", CapturedFrames.UDP_EMPTY),
                Arguments.of("QinQ-tagged UDP", CapturedFrames.tagged(CapturedFrames.UDP_HELLO,
                        EthernetFrame.ETHERTYPE_QINQ, 100, EthernetFrame.ETHERTYPE_VLAN, 200)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void rejectsEveryTruncation(String name, byte[] frame) {
        ByteBuf buf = wrap(frame);
        try {
            assertNull(decode(buf, frame.length), "the whole frame decodes");
            for (int length = 0; length < frame.length; length++) {
                assertNotNull(decode(buf, length), "cut to " + length + " bytes");
                assertParseFailsCleanly(buf, length);
            }
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void neverThrowsOnCorruptedBytes(String name, byte[] frame) {
        Random random = new Random(name.hashCode());
        for (int round = 0; round < 2_000; round++) {
            byte[] corrupted = frame.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                corrupted[random.nextInt(corrupted.length)] ^= (byte) (1 + random.nextInt(255));
            }
            ByteBuf buf = wrap(corrupted);
            try {
                decode(buf, corrupted.length);
                assertParseFailsCleanly(buf, corrupted.length);
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void everyViewRejectsZeroAndOneByte() {
        // At the end of the buffer, so that a read past the range would also be past the capacity.
        ByteBuf buf = wrap(new byte[] {0x45});
        try {
            for (int length = 0; length <= 1; length++) {
                int offset = 1 - length;
                assertFalse(ethernet.wrap(buf, offset, length));
                assertEquals(DecodeError.ETHERNET_TRUNCATED, ethernet.error());
                assertFalse(arp.wrap(buf, offset, length));
                assertEquals(DecodeError.ARP_TRUNCATED, arp.error());
                assertFalse(ipv4.wrap(buf, offset, length));
                assertEquals(DecodeError.IPV4_TRUNCATED, ipv4.error());
                assertFalse(icmp.wrap(buf, offset, length));
                assertEquals(DecodeError.ICMPV4_TRUNCATED, icmp.error());
                assertFalse(udp.wrap(buf, offset, length));
                assertEquals(DecodeError.UDP_TRUNCATED, udp.error());
                ByteBuf slice = buf.slice(offset, length);
                assertThrows(MalformedPacketException.class, () -> EthernetFrame.parse(slice));
                assertThrows(MalformedPacketException.class, () -> ArpPacket.parse(slice));
                assertThrows(MalformedPacketException.class, () -> Ipv4Packet.parse(slice));
                assertThrows(MalformedPacketException.class, () -> Icmpv4Packet.parse(slice));
            }
        } finally {
            buf.release();
        }
    }

    /** Decodes as deep as the views go, checksums verified, the way a host would; returns the first error. */
    private DecodeError decode(ByteBuf buf, int length) {
        if (!ethernet.wrap(buf, 0, length)) {
            return ethernet.error();
        }
        int offset = ethernet.payloadOffset();
        int payloadLength = ethernet.payloadLength();
        return switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_ARP -> arp.wrap(buf, offset, payloadLength) ? null : arp.error();
            case EthernetFrame.ETHERTYPE_IPV4 -> decodeIpv4(buf, offset, payloadLength);
            default -> null;
        };
    }

    private DecodeError decodeIpv4(ByteBuf buf, int offset, int length) {
        if (!ipv4.wrap(buf, offset, length)) {
            return ipv4.error();
        }
        if (!ipv4.isChecksumValid()) {
            return DecodeError.IPV4_BAD_CHECKSUM;
        }
        if (ipv4.isFragment()) {
            return null;
        }
        return switch (ipv4.protocol()) {
            case Ipv4Packet.PROTOCOL_ICMP -> !icmp.wrap(buf, ipv4.payloadOffset(), ipv4.payloadLength()) ? icmp.error()
                    : icmp.isChecksumValid() ? null : DecodeError.ICMPV4_BAD_CHECKSUM;
            case Ipv4Packet.PROTOCOL_UDP -> !udp.wrap(ipv4) ? udp.error()
                    : udp.isChecksumValid(ipv4) ? null : DecodeError.UDP_BAD_CHECKSUM;
            default -> null;
        };
    }

    private static void assertParseFailsCleanly(ByteBuf buf, int length) {
        ByteBuf slice = buf.slice(0, length);
        try {
            EthernetFrame frame = EthernetFrame.parse(slice);
            if (frame.etherType() == EthernetFrame.ETHERTYPE_IPV4) {
                Ipv4Packet.parse(slice.slice(frame.headerLength(), frame.payloadLength()));
            }
        } catch (MalformedPacketException expected) {
            assertNotNull(expected.reason());
        } catch (RuntimeException e) {
            fail("undocumented exception at length " + length, e);
        }
        assertEquals(length, slice.readableBytes(), "parsing leaves the indexes alone");
    }
}
