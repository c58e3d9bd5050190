package io.netstack.wire;

import io.netstack.wire.testing.FuzzInput;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Timeout;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes every packet view's {@code wrap} and {@code parse} with arbitrary bytes at arbitrary offsets; see
 * {@link ViewFuzzing} for what must hold and {@link FuzzInput} for how the fuzzer's bytes are read.
 *
 * <p>Without {@code JAZZER_FUZZ} each test runs once on the empty input and on every file of its corpus directory,
 * {@code src/test/resources/io/netstack/wire/PacketViewFuzzTestInputs/<method>}; with it, Jazzer fuzzes the one
 * selected test (see docs/fuzzing.md).
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class PacketViewFuzzTest {
    private final ViewFuzzing<EthernetFrame> ethernet =
            new ViewFuzzing<>(EthernetFrame::new, EthernetFrame::parse, PacketViewFuzzTest::inspect);
    private final ViewFuzzing<ArpPacket> arp =
            new ViewFuzzing<>(ArpPacket::new, ArpPacket::parse, PacketViewFuzzTest::inspect);
    private final ViewFuzzing<Ipv4Packet> ipv4 =
            new ViewFuzzing<>(Ipv4Packet::new, Ipv4Packet::parse, PacketViewFuzzTest::inspect);
    private final ViewFuzzing<Icmpv4Packet> icmpv4 =
            new ViewFuzzing<>(Icmpv4Packet::new, Icmpv4Packet::parse, PacketViewFuzzTest::inspect);
    private final ViewFuzzing<UdpDatagram> udp =
            new ViewFuzzing<>(UdpDatagram::new, null, PacketViewFuzzTest::inspect);
    private final Ipv4Packet enclosingPacket = new Ipv4Packet();
    private final UdpDatagram udpInPacket = new UdpDatagram();
    private final Ipv6ExtensionHeaders extensionHeaders = new Ipv6ExtensionHeaders();
    private final ViewFuzzing<Ipv6Packet> ipv6 =
            new ViewFuzzing<>(Ipv6Packet::new, Ipv6Packet::parse, this::inspectWalkingExtensionHeaders);
    private final ViewFuzzing<Icmpv6Packet> icmpv6 =
            new ViewFuzzing<>(Icmpv6Packet::new, Icmpv6Packet::parse, PacketViewFuzzTest::inspect);
    private final ViewFuzzing<NeighborDiscoveryMessage> neighborDiscovery = new ViewFuzzing<>(
            NeighborDiscoveryMessage::new, NeighborDiscoveryMessage::parse, PacketViewFuzzTest::inspect);
    private final Ipv6Packet enclosingIpv6Packet = new Ipv6Packet();
    private final Icmpv6Packet icmpv6InPacket = new Icmpv6Packet();
    private final NeighborDiscoveryMessage neighborDiscoveryInPacket = new NeighborDiscoveryMessage();

    @FuzzTest
    void ethernetFrame(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        ethernet.check(input.bytes(), input.prefix());
    }

    @FuzzTest
    void arpPacket(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        arp.check(input.bytes(), input.prefix());
    }

    @FuzzTest
    void ipv4Packet(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        if (input.fixChecksums()) {
            FuzzInput.fixIpv4Checksums(input.bytes(), 0);
        }
        ipv4.check(input.bytes(), input.prefix());
    }

    @FuzzTest
    void icmpv4Packet(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        byte[] bytes = input.bytes();
        if (input.fixChecksums() && bytes.length >= Icmpv4Packet.HEADER_LENGTH) {
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            FuzzInput.setChecksum(buf, 2, 0, bytes.length, 0);
            buf.release();
        }
        icmpv4.check(bytes, input.prefix());
    }

    /**
     * The datagram alone, and then inside an IPv4 packet, where {@code wrap(IpPacket)} and {@code parse(IpPacket)}
     * must agree with it, and {@code isChecksumValid} with the checksum summed here over the pseudo-header.
     */
    @FuzzTest
    void udpDatagram(FuzzedDataProvider data) {
        int source = data.consumeInt();
        int destination = data.consumeInt();
        FuzzInput input = FuzzInput.read(data);
        byte[] datagram = input.bytes();
        udp.check(datagram, input.prefix());
        if (datagram.length > 0xffff - Ipv4Packet.MIN_HEADER_LENGTH) {
            return; // no IPv4 packet can hold it
        }
        ByteBuf packet = Unpooled.buffer(Ipv4Packet.MIN_HEADER_LENGTH + datagram.length);
        try {
            Ipv4Header.of(source, destination, Ipv4Packet.PROTOCOL_UDP).write(packet, datagram.length);
            packet.writeBytes(datagram);
            UdpDatagram alone = new UdpDatagram();
            boolean wellFormedAlone = alone.wrap(packet, Ipv4Packet.MIN_HEADER_LENGTH, datagram.length);
            if (input.fixChecksums() && wellFormedAlone) {
                FuzzInput.fixUdpChecksum(packet, Ipv4Packet.MIN_HEADER_LENGTH, alone.length(), source, destination);
            }
            assertTrue(enclosingPacket.wrap(packet), "the test's own IPv4 header is well-formed");
            assertTrue(enclosingPacket.isChecksumValid(), "the test's own IPv4 header has a valid checksum");
            boolean wellFormed = udpInPacket.wrap(enclosingPacket);
            assertEquals(wellFormedAlone, wellFormed);
            assertEquals(alone.error(), udpInPacket.error());
            try {
                assertEquals(alone.length(), UdpDatagram.parse(enclosingPacket).length());
                assertTrue(wellFormed, "parse accepts only what wrap accepts");
            } catch (MalformedPacketException e) {
                assertEquals(alone.error(), e.reason());
            }
            if (wellFormed) {
                int length = udpInPacket.length();
                boolean expected = udpInPacket.checksum() == 0 || InternetChecksum.verify(packet,
                        Ipv4Packet.MIN_HEADER_LENGTH, length,
                        InternetChecksum.pseudoHeaderSum(source, destination, Ipv4Packet.PROTOCOL_UDP, length));
                assertEquals(expected, udpInPacket.isChecksumValid(enclosingPacket));
                if (input.fixChecksums()) {
                    assertTrue(udpInPacket.isChecksumValid(enclosingPacket), "a fixed checksum verifies");
                }
            }
        } finally {
            assertTrue(packet.release());
        }
    }

    /** The packet, and the walk of its extension headers, which must end in a verdict that points inside it. */
    @FuzzTest
    void ipv6Packet(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        ipv6.check(input.bytes(), input.prefix());
    }

    /**
     * The message alone, and then inside an IPv6 packet between the two fuzzed addresses in front of it, where the
     * walk must lead to it and {@code isChecksumValid} agree with the checksum summed here over the pseudo-header.
     */
    @FuzzTest
    void icmpv6Packet(FuzzedDataProvider data) {
        byte[] addresses = Arrays.copyOf(data.consumeBytes(2 * Ipv6Address.LENGTH), 2 * Ipv6Address.LENGTH);
        FuzzInput input = FuzzInput.read(data);
        byte[] message = input.bytes();
        icmpv6.check(message, input.prefix());
        ByteBuf packet = inIpv6Packet(addresses, NeighborDiscoveryMessage.HOP_LIMIT, message, input.fixChecksums());
        if (packet == null) {
            return;
        }
        try {
            Icmpv6Packet alone = new Icmpv6Packet();
            boolean wellFormed = alone.wrap(packet, Ipv6Packet.HEADER_LENGTH, message.length);
            assertEquals(wellFormed, extensionHeaders.wrapUpperLayer(icmpv6InPacket));
            assertEquals(alone.error(), icmpv6InPacket.error());
            if (wellFormed) {
                boolean expected = InternetChecksum.verify(packet, Ipv6Packet.HEADER_LENGTH, message.length,
                        pseudoHeaderSum(addresses, message.length));
                assertEquals(expected, icmpv6InPacket.isChecksumValid(enclosingIpv6Packet));
                if (input.fixChecksums()) {
                    assertTrue(expected, "a fixed checksum verifies");
                }
            }
        } finally {
            assertTrue(packet.release());
        }
    }

    /**
     * The message alone, and then inside an IPv6 packet of the fuzzed addresses and hop limit in front of it, where
     * a message valid by the checks of RFC 4861 section 7.1 must be what that section calls valid.
     */
    @FuzzTest
    void neighborDiscoveryMessage(FuzzedDataProvider data) {
        byte[] addresses = Arrays.copyOf(data.consumeBytes(2 * Ipv6Address.LENGTH), 2 * Ipv6Address.LENGTH);
        int hopLimit = data.consumeBoolean() ? NeighborDiscoveryMessage.HOP_LIMIT : data.consumeInt(0, 0xff);
        FuzzInput input = FuzzInput.read(data);
        byte[] message = input.bytes();
        neighborDiscovery.check(message, input.prefix());
        ByteBuf packet = inIpv6Packet(addresses, hopLimit, message, input.fixChecksums());
        if (packet == null) {
            return;
        }
        try {
            if (!extensionHeaders.wrapUpperLayer(neighborDiscoveryInPacket)) {
                return;
            }
            DecodeError error = neighborDiscoveryInPacket.ipHeaderError(enclosingIpv6Packet);
            if (error == null) {
                assertEquals(NeighborDiscoveryMessage.HOP_LIMIT, hopLimit);
                Ipv6Address source = Ipv6Address.read(packet, enclosingIpv6Packet.sourceOffset());
                Ipv6Address destination = Ipv6Address.read(packet, enclosingIpv6Packet.destinationOffset());
                if (neighborDiscoveryInPacket.isAdvertisement()) {
                    assertFalse(neighborDiscoveryInPacket.solicited() && destination.isMulticast());
                } else if (source.isUnspecified()) {
                    assertTrue(destination.isSolicitedNodeMulticast());
                    assertEquals(NeighborDiscoveryMessage.NONE, neighborDiscoveryInPacket.sourceLinkLayerAddress());
                }
            }
        } finally {
            assertTrue(packet.release());
        }
    }

    /**
     * Any text: {@code parse} accepts it or throws {@link IllegalArgumentException}; what it accepts prints as text
     * it parses back to the same address, and is the address the JDK reads from the same literal.
     */
    @FuzzTest
    void ipv6AddressText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        Ipv6Address address;
        try {
            address = Ipv6Address.parse(text);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(address, Ipv6Address.parse(address.toString()));
        InetAddress jdk = InetAddress.ofLiteral(text);
        if (jdk instanceof Inet4Address mapped) { // the JDK's form of an IPv4-mapped address
            assertEquals(Ipv6Address.parse("::ffff:" + Ipv4Address.of(mapped)), address);
        } else {
            assertEquals(address, Ipv6Address.of(jdk.getAddress()));
        }
    }

    /**
     * An IPv6 packet of {@code message} as ICMPv6, wrapped by {@link #enclosingIpv6Packet} and walked by
     * {@link #extensionHeaders} to it, its checksum fixed if asked; {@code null} if no packet can hold it.
     */
    private ByteBuf inIpv6Packet(byte[] addresses, int hopLimit, byte[] message, boolean fixChecksum) {
        if (message.length > 0xffff) {
            return null;
        }
        ByteBuf packet = Unpooled.buffer(Ipv6Packet.HEADER_LENGTH + message.length);
        packet.writeInt(Ipv6Packet.VERSION << 28);
        packet.writeShort(message.length);
        packet.writeByte(Ipv6Packet.PROTOCOL_ICMPV6);
        packet.writeByte(hopLimit);
        packet.writeBytes(addresses);
        packet.writeBytes(message);
        if (fixChecksum && message.length >= Icmpv6Packet.HEADER_LENGTH) {
            FuzzInput.setChecksum(packet, Ipv6Packet.HEADER_LENGTH + 2, Ipv6Packet.HEADER_LENGTH, message.length,
                    pseudoHeaderSum(addresses, message.length));
        }
        assertTrue(enclosingIpv6Packet.wrap(packet), "the test's own IPv6 header is well-formed");
        assertEquals(Ipv6ExtensionHeaders.Verdict.UPPER_LAYER, extensionHeaders.walk(enclosingIpv6Packet));
        assertEquals(Ipv6Packet.HEADER_LENGTH, extensionHeaders.upperLayerOffset());
        return packet;
    }

    /** The pseudo-header sum of RFC 8200 section 8.1, summed here word by word from the address bytes. */
    private static long pseudoHeaderSum(byte[] addresses, int length) {
        return Ipv6ExtensionHeadersTest.wordSum(addresses) + Ipv6Packet.PROTOCOL_ICMPV6 + length;
    }

    // Payloads are compared by their hash code: hex dumps of 70 kB payloads would halve the executions per second.

    private static List<Object> inspect(EthernetFrame frame) {
        int tags = frame.vlanTagCount();
        assertTrue(tags >= 0 && tags <= EthernetFrame.MAX_VLAN_TAGS);
        assertEquals(EthernetFrame.HEADER_LENGTH + tags * EthernetFrame.VLAN_TAG_LENGTH, frame.headerLength());
        assertEquals(frame.offset() + frame.length(), frame.payloadOffset() + frame.payloadLength());
        assertTrue(frame.payloadLength() >= 0);
        int etherType = frame.etherType();
        assertFalse(etherType == EthernetFrame.ETHERTYPE_VLAN || etherType == EthernetFrame.ETHERTYPE_QINQ,
                "no tag is left in front of the payload");
        List<Object> fields = new ArrayList<>(List.of(frame.destinationAddress(), frame.sourceAddress(), etherType,
                tags, frame.headerLength(), frame.payloadLength()));
        for (int tag = 0; tag < tags; tag++) {
            fields.addAll(List.of(frame.vlanTpid(tag), frame.vlanTci(tag), frame.vlanPcp(tag), frame.vlanDei(tag),
                    frame.vlanId(tag)));
        }
        return fields;
    }

    private static List<Object> inspect(ArpPacket arp) {
        assertEquals(ArpPacket.LENGTH, arp.length());
        return List.of(arp.htype(), arp.ptype(), arp.hlen(), arp.plen(), arp.oper(), arp.sha(), arp.spa(), arp.tha(),
                arp.tpa(), arp.isRequest(), arp.isReply(), arp.isGratuitous());
    }

    private static List<Object> inspect(Ipv4Packet ip) {
        assertEquals(Ipv4Packet.VERSION, ip.version());
        assertTrue(ip.headerLength() >= Ipv4Packet.MIN_HEADER_LENGTH && ip.headerLength() <= ip.totalLength());
        assertEquals(ip.totalLength(), ip.length());
        assertEquals(ip.offset() + ip.length(), ip.payloadOffset() + ip.payloadLength());
        return List.of(ip.ihl(), ip.dscp(), ip.ecn(), ip.totalLength(), ip.identification(), ip.dontFragment(),
                ip.moreFragments(), ip.fragmentOffset(), ip.fragmentOffsetBytes(), ip.isFragment(), ip.ttl(),
                ip.protocol(), ip.headerChecksum(), ip.sourceAddress(), ip.destinationAddress(),
                ip.optionsOffset() - ip.offset(), ip.optionsLength(), ByteBufUtil.hexDump(ip.options()),
                ip.payloadLength(), ByteBufUtil.hashCode(ip.payload()), ip.isChecksumValid(), ip.flags());
    }

    private static List<Object> inspect(Icmpv4Packet icmp) {
        assertTrue(icmp.payloadLength() >= 0);
        return List.of(icmp.type(), icmp.code(), icmp.checksum(), icmp.identifier(), icmp.sequenceNumber(),
                icmp.isEchoRequest(), icmp.isEchoReply(), icmp.payloadLength(), ByteBufUtil.hashCode(icmp.payload()),
                icmp.isChecksumValid(), icmp.isError(), icmp.pointer(), icmp.gatewayInternetAddress(),
                icmp.nextHopMtu(), icmp.originalDatagramLength());
    }

    private static List<Object> inspect(UdpDatagram udp) {
        assertEquals(udp.lengthField(), udp.length());
        assertTrue(udp.payloadLength() >= 0);
        return List.of(udp.sourcePort(), udp.destinationPort(), udp.checksum(), udp.payloadLength(),
                ByteBufUtil.hashCode(udp.payload()));
    }

    /** The packet's fields, and the verdict of the walk of its extension headers with what it points at. */
    private List<Object> inspectWalkingExtensionHeaders(Ipv6Packet ip) {
        assertEquals(Ipv6Packet.VERSION, ip.version());
        assertEquals(Ipv6Packet.HEADER_LENGTH + ip.payloadLengthField(), ip.length());
        ByteBuf buf = ip.buffer();
        int start = ip.offset();
        int end = start + ip.length();
        Ipv6ExtensionHeaders.Verdict verdict = extensionHeaders.walk(ip);
        assertSame(verdict, extensionHeaders.verdict());
        List<Object> fields = new ArrayList<>(List.of(ip.trafficClass(), ip.flowLabel(), ip.payloadLengthField(),
                ip.nextHeader(), ip.hopLimit(), ip.sourceAddress(), ip.destinationAddress(),
                Ipv6Address.read(buf, ip.sourceOffset()), ip.isDestinationMulticast(), verdict,
                String.valueOf(extensionHeaders.error())));
        switch (verdict) {
            case UPPER_LAYER, FRAGMENT -> {
                assertEquals(verdict == Ipv6ExtensionHeaders.Verdict.FRAGMENT, extensionHeaders.error() != null);
                int upperLayer = extensionHeaders.upperLayerOffset();
                assertTrue(upperLayer >= ip.payloadOffset() && upperLayer <= end, "upper layer inside the packet");
                assertEquals(end - upperLayer, extensionHeaders.upperLayerLength());
                int pointer = extensionHeaders.nextHeaderPointer();
                assertTrue(pointer >= Ipv6Packet.NEXT_HEADER_OFFSET && pointer < upperLayer - start);
                assertEquals(extensionHeaders.upperLayerProtocol(), buf.getUnsignedByte(start + pointer),
                        "the pointer names the Next Header field of the upper layer");
                fields.addAll(List.of(upperLayer - start, extensionHeaders.upperLayerProtocol(), pointer,
                        extensionHeaders.fragmentOffset(), extensionHeaders.moreFragments(),
                        extensionHeaders.identification()));
            }
            case PARAMETER_PROBLEM -> {
                int code = extensionHeaders.parameterProblemCode();
                int pointer = extensionHeaders.parameterProblemPointer();
                assertTrue(code >= Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD
                        && code <= Icmpv6Packet.CODE_UNRECOGNIZED_OPTION);
                assertTrue(pointer >= Ipv6Packet.NEXT_HEADER_OFFSET && pointer < ip.length(), "points inside");
                fields.addAll(List.of(code, pointer));
            }
            case DISCARD, NO_NEXT_HEADER -> assertNotNull(extensionHeaders.error());
        }
        return fields;
    }

    private static List<Object> inspect(Icmpv6Packet icmp) {
        assertTrue(icmp.payloadLength() >= 0);
        assertEquals(icmp.payloadOffset(), icmp.invokingPacketOffset());
        return List.of(icmp.type(), icmp.code(), icmp.checksum(), icmp.isError(), icmp.identifier(),
                icmp.sequenceNumber(), icmp.isEchoRequest(), icmp.isEchoReply(), icmp.pointer(), icmp.mtu(),
                icmp.invokingPacketLength(), ByteBufUtil.hashCode(icmp.payload()));
    }

    private static List<Object> inspect(NeighborDiscoveryMessage ndp) {
        assertTrue(ndp.isSolicitation() != ndp.isAdvertisement());
        assertTrue(ndp.length() >= NeighborDiscoveryMessage.HEADER_LENGTH);
        assertFalse(ndp.target().isMulticast());
        for (long mac : new long[] {ndp.sourceLinkLayerAddress(), ndp.targetLinkLayerAddress()}) {
            assertTrue(mac == NeighborDiscoveryMessage.NONE || mac >>> 48 == 0, "NONE or a MAC address");
        }
        return List.of(ndp.type(), ndp.flags(), ndp.router(), ndp.solicited(), ndp.override(), ndp.target(),
                ndp.targetOffset() - ndp.offset(), ndp.sourceLinkLayerAddress(), ndp.targetLinkLayerAddress(),
                ndp.payloadLength());
    }
}
