package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Header;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.UdpHeader;
import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;
import io.netstack.wire.testing.OffloadFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one decoder of the host and the offload handlers, on both link layers and both IP versions. */
class PacketDecoderTest {

    @ParameterizedTest(name = "ethernet={0} ipv6={1}")
    @CsvSource({"true, false", "true, true", "false, false", "false, true"})
    void decodesTcpAndUdpOverEitherLinkAndEitherVersion(boolean ethernet, boolean ipv6) {
        OffloadFrames frames = OffloadFrames.of(ethernet, ipv6);
        PacketDecoder decoder = new PacketDecoder(ethernet ? LinkLayer.ETHERNET : LinkLayer.IP);
        ByteBuf tcp = frames.tcp(7, 1000, TcpSegment.ACK, new byte[100], false);
        ByteBuf udp = frames.udp(8, new byte[50], false);
        try {
            assertNull(decoder.decode(tcp));
            assertEquals(InboundFrame.Kind.TCP, decoder.kind());
            assertSame(ipv6 ? decoder.ipv6() : decoder.ipv4(), decoder.ip());
            assertEquals(frames.ipOffset(), decoder.ip().offset());
            assertEquals(frames.transportOffset(), decoder.tcp().offset());
            assertEquals(100, decoder.tcp().payloadLength());
            assertEquals(tcp.writerIndex(), decoder.ipEnd());
            assertNull(decoder.verifyChecksums());

            assertNull(decoder.decode(udp), "the same decoder, re-pointed");
            assertEquals(InboundFrame.Kind.UDP, decoder.kind());
            assertEquals(50, decoder.udp().payloadLength());
            assertNull(decoder.verifyChecksums());
        } finally {
            tcp.release();
            udp.release();
        }
    }

    @ParameterizedTest(name = "ipv6={0}")
    @CsvSource({"false", "true"})
    void verifiesChecksumsAsAStepOfItsOwn(boolean ipv6) {
        OffloadFrames frames = OffloadFrames.of(false, ipv6);
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf partial = frames.tcp(1, 1, TcpSegment.ACK, new byte[10], true);
        ByteBuf corrupted = frames.udp(1, new byte[10], false);
        corrupted.setByte(corrupted.writerIndex() - 1, 1);
        try {
            assertNull(decoder.decode(partial), "a partial checksum is no structural fault");
            assertEquals(DecodeError.TCP_BAD_CHECKSUM, decoder.verifyChecksums());
            assertNull(decoder.decode(corrupted));
            assertEquals(DecodeError.UDP_BAD_CHECKSUM, decoder.verifyChecksums());
            if (!ipv6) {
                corrupted.setByte(frames.ipOffset() + 8, 1); // TTL, under the header checksum
                assertNull(decoder.decode(corrupted));
                assertEquals(DecodeError.IPV4_BAD_CHECKSUM, decoder.verifyChecksums(), "the IP layer first");
            }
        } finally {
            partial.release();
            corrupted.release();
        }
    }

    @Test
    void decodesTheTransportHeaderWhereItIsToldTo() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        PacketDecoder decoder = new PacketDecoder(LinkLayer.ETHERNET);
        ByteBuf frame = frames.udp(1, new byte[20], false);
        try {
            assertNull(decoder.decode(frame));
            // Eight bytes into the datagram, as csum_start past an extension header would point.
            assertEquals(DecodeError.UDP_BAD_LENGTH,
                    decoder.decodeTransport(Ipv4Packet.PROTOCOL_UDP, frames.transportOffset() + 8));
            assertNull(decoder.decodeTransport(Ipv4Packet.PROTOCOL_UDP, frames.transportOffset()));
            assertEquals(20, decoder.udp().payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void classifiesWhatItDoesNotDecodeFurther() {
        PacketDecoder tun = new PacketDecoder(LinkLayer.IP);
        ByteBuf empty = Unpooled.buffer(0);
        ByteBuf fragment = CapturedFrames.wrap(CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT);
        try {
            assertNull(tun.decode(empty));
            assertEquals(InboundFrame.Kind.OTHER_ETHERTYPE, tun.kind());
            assertNull(tun.ip());
            fragment.skipBytes(14); // the bare IP packet, as a TUN device reads it
            assertNull(tun.decode(fragment));
            assertEquals(InboundFrame.Kind.IPV4_FRAGMENT, tun.kind());
            assertNull(tun.verifyChecksums(), "a fragment's header checksum verifies; its payload is not decoded");
            fragment.setByte(fragment.readerIndex(), 0x44);
            assertEquals(DecodeError.IPV4_BAD_HEADER_LENGTH, tun.decode(fragment));
            assertEquals(InboundFrame.Kind.IPV4_OTHER, tun.kind());
            assertNull(tun.ip());
            fragment.setByte(fragment.readerIndex(), 0x75);
            assertNull(tun.decode(fragment), "IP version 7 is no IP this decoder knows");
            assertEquals(InboundFrame.Kind.OTHER_ETHERTYPE, tun.kind());
        } finally {
            empty.release();
            fragment.release();
        }
    }

    /** What a TUN user's handler does per packet: one decoder for the channel, nothing allocated per packet. */
    @Test
    void decodesAndVerifiesPacketsOfATunDeviceWithoutAllocating() {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf[] packets = {
                untracked(OffloadFrames.of(false, false).tcp(1, 1, TcpSegment.ACK, new byte[1400], false)),
                untracked(OffloadFrames.of(false, true).tcp(1, 1, TcpSegment.ACK, new byte[1400], false)),
                untracked(OffloadFrames.of(false, false).udp(1, new byte[64], false)),
                untracked(OffloadFrames.of(false, true).udp(1, new byte[64], false))};
        try {
            long allocated = Allocations.ofSecondRun(() -> decodeAll(decoder, packets, 20_000));
            assertTrue(allocated < 1024, allocated + " bytes allocated for 80,000 packets");
        } finally {
            for (ByteBuf packet : packets) {
                packet.release();
            }
        }
    }

    private static long decodeAll(PacketDecoder decoder, ByteBuf[] packets, int rounds) {
        long sum = 0;
        for (int round = 0; round < rounds; round++) {
            for (ByteBuf packet : packets) {
                assertNull(decoder.decode(packet));
                assertNull(decoder.verifyChecksums());
                sum += decoder.kind() == InboundFrame.Kind.TCP ? decoder.tcp().sourcePort()
                        : decoder.udp().destinationPort();
            }
        }
        return sum;
    }

    /** A copy of {@code packet} outside leak detection; see {@link Allocations#untracked}. */
    private static ByteBuf untracked(ByteBuf packet) {
        try {
            return Allocations.untracked(ByteBufUtil.getBytes(packet));
        } finally {
            packet.release();
        }
    }

    /**
     * UDP behind a Destination Options header whose one option is {@code optionType}: PadN (skipped), 0x80
     * (discard and report) or 0x40 (discard).
     */
    private static ByteBuf udpBehindDestinationOptions(int optionType) {
        ByteBuf udp = Ipv6Packets.udp(UnpooledByteBufAllocator.DEFAULT,
                Ipv6Header.of(Ipv6Address.parse("2001:db8::1"), Ipv6Address.parse("2001:db8::2"),
                        Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(40000, 7), Unpooled.wrappedBuffer(new byte[] {1, 2}), 0, 2);
        try {
            ByteBuf packet = Unpooled.buffer();
            packet.writeBytes(udp, udp.readerIndex(), Ipv6Packet.HEADER_LENGTH);
            packet.setShort(4, udp.readableBytes() - Ipv6Packet.HEADER_LENGTH + 8);
            packet.setByte(6, Ipv6ExtensionHeaders.DESTINATION_OPTIONS);
            packet.writeBytes(new byte[] {Ipv4Packet.PROTOCOL_UDP, 0, (byte) optionType, 4, 0, 0, 0, 0});
            packet.writeBytes(udp, udp.readerIndex() + Ipv6Packet.HEADER_LENGTH,
                    udp.readableBytes() - Ipv6Packet.HEADER_LENGTH);
            return packet;
        } finally {
            udp.release();
        }
    }

    @Test
    void decodesUdpBehindExtensionHeadersWithTheUpperLayerLengthInItsChecksum() {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf packet = udpBehindDestinationOptions(Ipv6ExtensionHeaders.OPTION_PADN);
        try {
            assertNull(decoder.decode(packet));
            assertEquals(InboundFrame.Kind.UDP, decoder.kind());
            assertEquals(Ipv6Packet.HEADER_LENGTH + 8, decoder.udp().offset());
            assertEquals(7, decoder.udp().destinationPort());
            assertNull(decoder.verifyChecksums());
        } finally {
            packet.release();
        }
    }

    /** A packet that deserves a Parameter Problem decodes, for the ICMP error handler to find the walker's verdict. */
    @Test
    void leavesAParameterProblemVisibleAndDropsWhatTheWalkerDiscards() {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf report = udpBehindDestinationOptions(0x80);
        ByteBuf discard = udpBehindDestinationOptions(0x40);
        try {
            assertNull(decoder.decode(report));
            assertEquals(InboundFrame.Kind.IPV6_OTHER, decoder.kind());
            Ipv6ExtensionHeaders walk = decoder.ipv6ExtensionHeaders();
            assertEquals(Ipv6ExtensionHeaders.Verdict.PARAMETER_PROBLEM, walk.verdict());
            assertEquals(Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, walk.parameterProblemCode());
            assertEquals(Ipv6Packet.HEADER_LENGTH + 2, walk.parameterProblemPointer());

            assertEquals(DecodeError.IPV6_UNRECOGNIZED_OPTION, decoder.decode(discard));
            assertEquals(Ipv6ExtensionHeaders.Verdict.DISCARD, decoder.ipv6ExtensionHeaders().verdict());
        } finally {
            report.release();
            discard.release();
        }
    }

    /** Sources no answer could go back to over IPv6; Linux drops the first two on receipt. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"ff02::1, IPV6_MULTICAST_SOURCE", "::ffff:192.0.2.1, IPV6_IPV4_MAPPED_SOURCE",
            "::, IPV6_UNSPECIFIED_SOURCE"})
    void rejectsSourcesNoAnswerCanGoTo(String source, DecodeError expected) {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.ETHERNET);
        ByteBuf echo = Unpooled.wrappedBuffer(CapturedIpv6Frames.ECHO_REQUEST.clone());
        try {
            Ipv6Address.parse(source).set(echo, EthernetFrame.HEADER_LENGTH + 8); // the source address
            assertEquals(expected, decoder.decode(echo));
        } finally {
            echo.release();
        }
    }

    /**
     * Of the packets from {@code ::}, only what a node sends before it has an address decodes: duplicate address
     * detection's Neighbor Solicitation and a Multicast Listener Report. A datagram from it could not be answered,
     * and an advertisement comes from its sender's address.
     */
    @Test
    void takesFromTheUnspecifiedAddressOnlyWhatANodeSendsBeforeItHasOne() {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf probe = Ipv6Packets.duplicateAddressDetection(UnpooledByteBufAllocator.DEFAULT,
                Ipv6Address.parse("2001:db8::2"));
        ByteBuf udp = Ipv6Packets.udpDatagram(UnpooledByteBufAllocator.DEFAULT, 0, 0, 40000,
                0x2001_0db8_0000_0000L, 2, 7, Unpooled.EMPTY_BUFFER, 0, 0);
        ByteBuf advertisement = Ipv6Packets.neighborAdvertisement(UnpooledByteBufAllocator.DEFAULT,
                Ipv6Address.UNSPECIFIED, Ipv6Address.ALL_NODES, NeighborDiscoveryMessage.FLAG_OVERRIDE,
                Ipv6Address.parse("2001:db8::1"), NeighborDiscoveryMessage.NONE);
        ByteBuf report = Unpooled.wrappedBuffer(CapturedIpv6Frames.ECHO_REQUEST.clone())
                .skipBytes(EthernetFrame.HEADER_LENGTH);
        Ipv6Address.UNSPECIFIED.set(report, EthernetFrame.HEADER_LENGTH + 8); // the source address
        report.setByte(EthernetFrame.HEADER_LENGTH + Ipv6Packet.HEADER_LENGTH,
                Icmpv6Packet.TYPE_MULTICAST_LISTENER_REPORT_V2);
        try {
            assertNull(decoder.decode(probe));
            assertEquals(InboundFrame.Kind.NDP, decoder.kind());
            assertNull(decoder.verifyChecksums());
            assertNull(decoder.decode(report));
            assertEquals(InboundFrame.Kind.ICMPV6, decoder.kind());
            assertEquals(DecodeError.IPV6_UNSPECIFIED_SOURCE, decoder.decode(udp));
            assertEquals(InboundFrame.Kind.UDP, decoder.kind());
            assertEquals(DecodeError.IPV6_UNSPECIFIED_SOURCE, decoder.decode(advertisement));
        } finally {
            probe.release();
            udp.release();
            advertisement.release();
            report.release();
        }
    }

    @Test
    void decodesNeighborDiscoveryAndRejectsWhatRfc4861SectionSevenOneDiscards() {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.ETHERNET);
        byte[] forwarded = CapturedIpv6Frames.NEIGHBOR_SOLICITATION.clone();
        forwarded[EthernetFrame.HEADER_LENGTH + 7] = 64; // a hop limit other than 255: a router forwarded it
        ByteBuf solicitation = Unpooled.wrappedBuffer(CapturedIpv6Frames.NEIGHBOR_SOLICITATION);
        ByteBuf echo = Unpooled.wrappedBuffer(CapturedIpv6Frames.ECHO_REQUEST);
        ByteBuf corrupted = Unpooled.wrappedBuffer(CapturedIpv6Frames.ECHO_REQUEST.clone());
        corrupted.setByte(corrupted.writerIndex() - 1, 0);
        try {
            assertNull(decoder.decode(solicitation));
            assertEquals(InboundFrame.Kind.NDP, decoder.kind());
            assertTrue(decoder.neighborDiscovery().isSolicitation());
            assertEquals(0x02005e100001L, decoder.neighborDiscovery().sourceLinkLayerAddress());
            assertNull(decoder.verifyChecksums());
            assertEquals(DecodeError.NDP_BAD_HOP_LIMIT, decoder.decode(Unpooled.wrappedBuffer(forwarded)));

            assertNull(decoder.decode(echo));
            assertEquals(InboundFrame.Kind.ICMPV6, decoder.kind());
            assertTrue(decoder.icmpv6().isEchoRequest());
            assertNull(decoder.verifyChecksums());
            assertNull(decoder.decode(corrupted));
            assertEquals(DecodeError.ICMPV6_BAD_CHECKSUM, decoder.verifyChecksums());
        } finally {
            solicitation.release();
            echo.release();
            corrupted.release();
        }
    }
}
