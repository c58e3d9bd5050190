package io.netstack.wire;

import io.netstack.wire.testing.FuzzInput;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
