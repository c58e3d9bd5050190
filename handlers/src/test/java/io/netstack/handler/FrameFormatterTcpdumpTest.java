package io.netstack.handler;

import io.netstack.tap.testing.Command;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Icmpv4ErrorHeader;
import io.netstack.wire.Icmpv4Errors;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.IpHeader;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Header;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.TcpSegments;
import io.netstack.wire.UdpHeader;
import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares {@link FrameFormatter}'s lines with those of the real tcpdump, {@code tcpdump -t -n -e} for Ethernet
 * frames and {@code tcpdump -t -n} for the same packets on a raw IP (TUN) link, read from captures that
 * {@link PcapWriter} records. The frames are the kernel's (IPv4 and IPv6, captured byte for byte) and the wire
 * module's builders' (Neighbor Discovery, ICMP errors of every code tcpdump words, UDP over IPv6), with IPv6
 * extension headers and fragments spliced in.
 *
 * <p>Every line must be tcpdump's, character for character, even where tcpdump's own wording is odd (two spaces
 * before {@code ip-proto-}, {@code " unreachable prohibited"}, the ports without addresses after extension
 * headers): the formatter imitates them so that its lines can be diffed against a capture. The differences it
 * keeps on purpose are for frames tcpdump would print without complaint but that a host drops (a checksum that
 * does not verify, a Neighbor Discovery message RFC 4861 makes a host discard), which tcpdump checks only with
 * {@code -v}; {@link FrameLoggerTest} covers those.
 */
class FrameFormatterTcpdumpTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final Ipv6Address KERNEL = Ipv6Address.parse("2001:db8::1");
    private static final Ipv6Address HOST = Ipv6Address.parse("2001:db8::2");
    private static final long KERNEL_MAC = MacAddress.parse("02:00:5e:10:00:01").value();
    private static final long HOST_MAC = MacAddress.parse("02:00:5e:10:00:02").value();
    private static final int UDP = Ipv4Packet.PROTOCOL_UDP;
    private static final int ICMPV6 = Ipv6Packet.PROTOCOL_ICMPV6;
    /** Fields of the fixed IPv6 header, and where the IPv4 header's protocol is. */
    private static final int PAYLOAD_LENGTH = 4;
    private static final int NEXT_HEADER = 6;
    private static final int SOURCE = 8;
    private static final int IPV4_PROTOCOL = 9;
    private static final int IPV4_CHECKSUM = 10;

    @TempDir
    Path directory;

    @BeforeAll
    static void tcpdumpIsInstalled() {
        Command.assumeInstalled("tcpdump", "tcpdump");
    }

    @Test
    void ethernetFramesAsTcpdumpPrintsThem() throws IOException {
        Map<String, byte[]> frames = new LinkedHashMap<>();
        frames.put("ARP request", CapturedFrames.ARP_REQUEST);
        frames.put("ICMP echo request", CapturedFrames.ECHO_REQUEST);
        frames.put("UDP, padded", CapturedFrames.padded(CapturedFrames.UDP_HELLO));
        frames.put("IPv4 options", CapturedFrames.ECHO_REQUEST_RECORD_ROUTE);
        frames.put("IPv6 in 802.1Q", CapturedFrames.tagged(CapturedIpv6Frames.ECHO_REQUEST,
                EthernetFrame.ETHERTYPE_VLAN, 100));
        frames.put("kernel DAD probe", CapturedIpv6Frames.DAD_SOLICITATION);
        frames.put("kernel neighbor solicitation", CapturedIpv6Frames.NEIGHBOR_SOLICITATION);
        frames.put("kernel neighbor advertisement", CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT);
        frames.put("kernel ICMPv6 echo request", CapturedIpv6Frames.ECHO_REQUEST);
        frames.put("kernel UDP over IPv6", CapturedIpv6Frames.UDP_HELLO);
        frames.put("kernel ICMPv6 port unreachable", CapturedIpv6Frames.PORT_UNREACHABLE);
        frames.put("kernel ICMPv6 parameter problem", CapturedIpv6Frames.PARAMETER_PROBLEM);
        packets().forEach((name, packet) -> frames.put(name, ethernet(packet)));
        assertSameAsTcpdump(LinkLayer.ETHERNET, frames, List.of("-t", "-n", "-e", "-S"));
    }

    @Test
    void tunPacketsAsTcpdumpPrintsThem() throws IOException {
        Map<String, byte[]> packets = new LinkedHashMap<>();
        packets.put("kernel ICMP echo request", stripEthernet(CapturedFrames.ECHO_REQUEST));
        packets.put("kernel UDP", stripEthernet(CapturedFrames.UDP_HELLO));
        packets.put("kernel neighbor solicitation", stripEthernet(CapturedIpv6Frames.NEIGHBOR_SOLICITATION));
        packets.put("kernel ICMPv6 port unreachable", stripEthernet(CapturedIpv6Frames.PORT_UNREACHABLE));
        packets.putAll(packets());
        assertSameAsTcpdump(LinkLayer.IP, packets, List.of("-t", "-n", "-S"));
    }

    /** IP packets of every kind the formatter words, from the builders, some with extension headers spliced in. */
    private static Map<String, byte[]> packets() {
        Map<String, byte[]> packets = new LinkedHashMap<>();
        byte[] udp4 = stripEthernet(CapturedFrames.UDP_HELLO);
        byte[] udp6 = stripEthernet(CapturedIpv6Frames.UDP_HELLO);
        byte[] echo6 = stripEthernet(CapturedIpv6Frames.ECHO_REQUEST);
        packets.put("ICMP port unreachable", build(Ipv4Packet::parse, udp4,
                invoking -> Icmpv4Errors.portUnreachable(ALLOC, invoking)));
        packets.put("ICMP protocol unreachable", build(Ipv4Packet::parse,
                withByte(stripEthernet(CapturedFrames.ECHO_REQUEST), IPV4_PROTOCOL, 253),
                invoking -> Icmpv4Errors.protocolUnreachable(ALLOC, invoking)));
        for (int code = 0; code < 16; code++) { // every code of RFC 792 and RFC 1812
            Icmpv4ErrorHeader error = code == Icmpv4Packet.CODE_FRAGMENTATION_NEEDED
                    ? Icmpv4ErrorHeader.fragmentationNeeded(1400) : Icmpv4ErrorHeader.destinationUnreachable(code);
            packets.put("ICMP unreachable code " + code, build(Ipv4Packet::parse, udp4,
                    invoking -> Icmpv4Errors.error(ALLOC, invoking.destination(), error, invoking)));
        }
        packets.put("ICMP unreachable over TCP", build(Ipv4Packet::parse, withByte(udp4, IPV4_PROTOCOL, Ipv4Packet.PROTOCOL_TCP),
                invoking -> Icmpv4Errors.portUnreachable(ALLOC, invoking)));
        for (int code : new int[] {Icmpv4Packet.CODE_TTL_EXCEEDED_IN_TRANSIT,
                                   Icmpv4Packet.CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED}) {
            packets.put("ICMP time exceeded " + code, build(Ipv4Packet::parse, udp4, invoking -> Icmpv4Errors.error(
                    ALLOC, invoking.destination(), Icmpv4ErrorHeader.timeExceeded(code), invoking)));
        }
        packets.put("ICMP parameter problem", build(Ipv4Packet::parse, udp4, invoking -> Icmpv4Errors.error(
                ALLOC, invoking.destination(), Icmpv4ErrorHeader.parameterProblem(20), invoking)));

        packets.put("neighbor solicitation", bytes(Ipv6Packets.neighborSolicitation(ALLOC, HOST,
                KERNEL.solicitedNodeMulticast(), KERNEL, HOST_MAC)));
        packets.put("DAD probe", bytes(Ipv6Packets.duplicateAddressDetection(ALLOC, HOST)));
        packets.put("solicited neighbor advertisement", bytes(Ipv6Packets.neighborAdvertisement(ALLOC, HOST, KERNEL,
                NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE, HOST, HOST_MAC)));
        packets.put("unsolicited neighbor advertisement", bytes(Ipv6Packets.neighborAdvertisement(ALLOC, HOST,
                Ipv6Address.ALL_NODES, NeighborDiscoveryMessage.FLAG_OVERRIDE, HOST, NeighborDiscoveryMessage.NONE)));
        packets.put("ICMPv6 echo reply", build(Ipv6Packet::parse, echo6, request -> {
            Icmpv6Packet icmp = new Icmpv6Packet();
            icmp.wrap(request.buffer(), request.payloadOffset(), request.payloadLength());
            return Ipv6Packets.echoReply(ALLOC, Ipv6Header.replyTo(request, ICMPV6), icmp);
        }));
        packets.put("UDP over IPv6", bytes(Ipv6Packets.udp(ALLOC, Ipv6Header.of(HOST, KERNEL, UDP),
                new UdpHeader(7, 40000), Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), 0, 3)));
        for (int code = 0; code <= Icmpv6Packet.CODE_PORT_UNREACHABLE; code++) {
            int unreachable = code;
            packets.put("ICMPv6 unreachable code " + code, build(Ipv6Packet::parse, udp6,
                    invoking -> Ipv6Packets.destinationUnreachable(ALLOC, HOST, unreachable, invoking)));
        }
        packets.put("ICMPv6 port unreachable quoting extension headers", build(Ipv6Packet::parse,
                withExtensionHeaders(udp6, destinationOptions()),
                invoking -> Ipv6Packets.destinationUnreachable(ALLOC, HOST, Icmpv6Packet.CODE_PORT_UNREACHABLE,
                        invoking)));
        for (int code = 0; code <= Icmpv6Packet.CODE_UNRECOGNIZED_OPTION; code++) {
            int problem = code;
            packets.put("ICMPv6 parameter problem code " + code, build(Ipv6Packet::parse, udp6,
                    invoking -> Ipv6Packets.parameterProblem(ALLOC, HOST, problem, 40, invoking)));
        }
        byte[] unreachable = packets.get("ICMPv6 unreachable code 0");
        packets.put("ICMPv6 packet too big", withIcmpv6Header(unreachable, Icmpv6Packet.TYPE_PACKET_TOO_BIG, 0, 1280));
        packets.put("ICMPv6 hop limit exceeded", withIcmpv6Header(unreachable, Icmpv6Packet.TYPE_TIME_EXCEEDED,
                Icmpv6Packet.CODE_HOP_LIMIT_EXCEEDED, 0));
        packets.put("ICMPv6 reassembly time exceeded", withIcmpv6Header(unreachable, Icmpv6Packet.TYPE_TIME_EXCEEDED,
                Icmpv6Packet.CODE_REASSEMBLY_TIME_EXCEEDED, 0));
        packets.put("ICMPv6 router solicitation", withIcmpv6Header(
                withExtensionHeaders(Arrays.copyOf(echo6, Ipv6Packet.HEADER_LENGTH + Icmpv6Packet.HEADER_LENGTH)),
                Icmpv6Packet.TYPE_ROUTER_SOLICITATION, 0, 0));

        packets.put("UDP after Hop-by-Hop options", withExtensionHeaders(udp6, hopByHop()));
        packets.put("ICMPv6 after Hop-by-Hop and Destination options",
                withExtensionHeaders(echo6, hopByHop(), destinationOptions()));
        packets.put("ICMPv6 after an atomic fragment header", withExtensionHeaders(echo6, fragment(0, false)));
        packets.put("first fragment", withExtensionHeaders(echo6, fragment(0, true)));
        packets.put("first fragment of UDP", withExtensionHeaders(withByte(Arrays.copyOf(udp6,
                Ipv6Packet.HEADER_LENGTH + 12), PAYLOAD_LENGTH + 1, 12), fragment(0, true)));
        packets.put("later fragment", withExtensionHeaders(Arrays.copyOf(echo6, Ipv6Packet.HEADER_LENGTH + 16),
                fragment(1448, true)));
        packets.put("routing header, segments left 0", withExtensionHeaders(echo6, routing(0)));
        packets.put("routing header type 2", withExtensionHeaders(echo6, routing(2)));
        byte[] nothing = withExtensionHeaders(withByte(Arrays.copyOf(udp6, Ipv6Packet.HEADER_LENGTH), NEXT_HEADER,
                Ipv6ExtensionHeaders.NO_NEXT_HEADER));
        packets.put("no next header", nothing);
        packets.put("no next header after Destination options", withExtensionHeaders(nothing, destinationOptions()));
        packets.putAll(tcpSegments());
        packets.put("unknown protocol over IPv6", withByte(udp6, NEXT_HEADER, 253));
        packets.put("unknown protocol over IPv4", withByte(udp4, IPV4_PROTOCOL, 253));
        return packets;
    }

    /** TCP segments as the host's TCP writes them, over both versions, with every option it sends and some more. */
    private static Map<String, byte[]> tcpSegments() {
        Ipv4Header v4 = Ipv4Header.of(Ipv4Address.parse("192.0.2.2").value(), Ipv4Address.parse("192.0.2.1").value(),
                Ipv4Packet.PROTOCOL_TCP);
        Ipv6Header v6 = Ipv6Header.of(HOST, KERNEL, Ipv4Packet.PROTOCOL_TCP);
        Map<String, byte[]> segments = new LinkedHashMap<>();
        segments.put("TCP SYN over IPv4", tcp(v4, TcpSegment.SYN, 0, TcpOptions.synOptionsLength(true, true, true),
                out -> TcpOptions.writeSynOptions(out, 1460, true, true, 0xfedcba98, 0, 7), 0));
        segments.put("TCP SYN-ACK over IPv6", tcp(v6, TcpSegment.SYN | TcpSegment.ACK, 0,
                TcpOptions.synOptionsLength(false, false, true),
                out -> TcpOptions.writeSynOptions(out, 1440, false, false, 0, 0, 2), 0));
        segments.put("TCP ACK with SACK blocks", tcp(v4, TcpSegment.ACK, 0,
                TcpOptions.TIMESTAMPS_LENGTH + TcpOptions.sackLength(2), out -> {
                    TcpOptions.writeTimestamps(out, 1, 2);
                    TcpOptions.writeSackBlocks(out, new int[] {3000, 4000, 0xffff_fff0, 16}, 2);
                }, 0));
        segments.put("TCP data over IPv6", tcp(v6, TcpSegment.PSH | TcpSegment.ACK, 0, 0, out -> { }, 100));
        segments.put("TCP FIN", tcp(v4, TcpSegment.FIN | TcpSegment.ACK, 0, 0, out -> { }, 0));
        segments.put("TCP reset", tcp(v4, TcpSegment.RST, 0, 0, out -> { }, 0));
        segments.put("TCP urgent data, ECN flags", tcp(v4, TcpSegment.URG | TcpSegment.ACK | TcpSegment.ECE
                | TcpSegment.CWR, 5, 0, out -> { }, 10));
        segments.put("TCP unknown and end of options", tcp(v4, TcpSegment.ACK, 0, 8,
                out -> out.writeByte(99).writeByte(4).writeShort(0xabcd).writeByte(TcpOptions.KIND_NOP)
                        .writeByte(TcpOptions.KIND_END).writeShort(0), 0));
        segments.put("TCP no flags", tcp(v4, 0, 0, 0, out -> { }, 0));
        return segments;
    }

    /** A segment from port 44444 (no port tcpdump dissects an application on) to 40000 with sequence and acknowledgment numbers past 2^31, as tcpdump -S shows. */
    private static byte[] tcp(IpHeader ip, int flags, int urgent, int optionsLength,
                              java.util.function.Consumer<ByteBuf> options, int payload) {
        ByteBuf packet = TcpSegments.start(ALLOC, ip, 44444, 40000, 0x9000_0000, 0xa000_0001, flags, 502,
                optionsLength, payload);
        packet.setShort(packet.readerIndex() + ip.length() + 18, urgent);
        options.accept(packet);
        packet.writeZero(payload);
        TcpSegments.finish(packet, ip);
        return bytes(packet);
    }

    private void assertSameAsTcpdump(LinkLayer linkLayer, Map<String, byte[]> frames, List<String> options)
            throws IOException {
        Path capture = directory.resolve(linkLayer + ".pcap");
        EmbeddedChannel channel = new EmbeddedChannel(new PcapWriter(capture, linkLayer));
        FrameFormatter formatter = new FrameFormatter(linkLayer);
        List<String> ours = new ArrayList<>();
        for (byte[] frame : frames.values()) {
            ByteBuf buf = Unpooled.wrappedBuffer(frame);
            ours.add(formatter.format(buf));
            channel.writeInbound(buf);
            channel.<ByteBuf>readInbound().release();
        }
        assertFalse(channel.finishAndReleaseAll());
        List<String> command = new ArrayList<>(List.of("tcpdump", "-r", capture.toString()));
        command.addAll(options);
        List<String> tcpdump = Command.run(Duration.ofSeconds(30), command).lines().toList();
        assertEquals(frames.size(), tcpdump.size(), () -> String.join("\n", tcpdump));
        List<String> names = List.copyOf(frames.keySet());
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!tcpdump.get(i).equals(ours.get(i))) {
                mismatches.add(names.get(i) + ":\n  tcpdump: " + tcpdump.get(i) + "\n  ours:    " + ours.get(i));
            }
        }
        assertTrue(mismatches.isEmpty(), () -> String.join("\n", mismatches));
    }

    /** The bytes of a built packet, which is released. */
    private static byte[] bytes(ByteBuf packet) {
        try {
            return ByteBufUtil.getBytes(packet);
        } finally {
            packet.release();
        }
    }

    /** The packet {@code builder} makes from a view of {@code packet}. */
    private static <V> byte[] build(Function<ByteBuf, V> view, byte[] packet, Function<V, ByteBuf> builder) {
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        try {
            return bytes(builder.apply(view.apply(buf)));
        } finally {
            buf.release();
        }
    }

    private static byte[] ethernet(byte[] packet) {
        int etherType = packet[0] >>> 4 == Ipv6Packet.VERSION
                ? EthernetFrame.ETHERTYPE_IPV6 : EthernetFrame.ETHERTYPE_IPV4;
        ByteBuf frame = Unpooled.buffer(EthernetFrame.HEADER_LENGTH + packet.length);
        new EthernetHeader(KERNEL_MAC, HOST_MAC, etherType).write(frame);
        return bytes(frame.writeBytes(packet));
    }

    private static byte[] stripEthernet(byte[] frame) {
        return Arrays.copyOfRange(frame, EthernetFrame.HEADER_LENGTH, frame.length);
    }

    /** A copy with one byte changed, and an IPv4 header's checksum made valid again. */
    private static byte[] withByte(byte[] packet, int index, int value) {
        byte[] bytes = packet.clone();
        bytes[index] = (byte) value;
        if (bytes[0] >>> 4 == Ipv4Packet.VERSION) {
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            buf.setShort(IPV4_CHECKSUM, 0);
            buf.setShort(IPV4_CHECKSUM, InternetChecksum.checksum(buf, 0, Ipv4Packet.MIN_HEADER_LENGTH));
        }
        return bytes;
    }

    /** An extension header to splice in: its Next Header value, and its bytes, whose first is set when spliced. */
    private record Extension(int type, byte[] header) {
    }

    /** A Hop-by-Hop Options header with a PadN option: 8 bytes. */
    private static Extension hopByHop() {
        return new Extension(Ipv6ExtensionHeaders.HOP_BY_HOP, paddedOptions());
    }

    private static Extension destinationOptions() {
        return new Extension(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, paddedOptions());
    }

    private static byte[] paddedOptions() {
        return new byte[] {0, 0, Ipv6ExtensionHeaders.OPTION_PADN, 4, 0, 0, 0, 0};
    }

    private static Extension fragment(int offset, boolean moreFragments) {
        int offsetAndFlags = offset | (moreFragments ? 1 : 0);
        return new Extension(Ipv6ExtensionHeaders.FRAGMENT, new byte[] {0, 0, (byte) (offsetAndFlags >>> 8),
                (byte) offsetAndFlags, 0x12, 0x34, 0x56, 0x78});
    }

    /** A Routing header without addresses and with no segments left, which a host goes past. */
    private static Extension routing(int routingType) {
        return new Extension(Ipv6ExtensionHeaders.ROUTING, new byte[] {0, 0, (byte) routingType, 0, 0, 0, 0, 0});
    }

    /**
     * A copy of an IPv6 packet without extension headers with {@code extensions} inserted after the fixed header,
     * and its payload length set. The upper layer's checksum stays valid: the pseudo-header holds the upper layer's
     * own length and protocol, not the payload length.
     */
    private static byte[] withExtensionHeaders(byte[] packet, Extension... extensions) {
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(packet, 0, Ipv6Packet.HEADER_LENGTH);
        int nextHeaderField = NEXT_HEADER;
        for (Extension extension : extensions) {
            buf.setByte(nextHeaderField, extension.type());
            nextHeaderField = buf.writerIndex();
            buf.writeBytes(extension.header());
        }
        buf.setByte(nextHeaderField, packet[NEXT_HEADER]);
        buf.writeBytes(packet, Ipv6Packet.HEADER_LENGTH, packet.length - Ipv6Packet.HEADER_LENGTH);
        buf.setShort(PAYLOAD_LENGTH, buf.readableBytes() - Ipv6Packet.HEADER_LENGTH);
        return bytes(buf);
    }

    /** A copy of an ICMPv6 message right after the fixed header with another header, its checksum made valid. */
    private static byte[] withIcmpv6Header(byte[] packet, int type, int code, int restOfHeader) {
        ByteBuf buf = Unpooled.wrappedBuffer(packet.clone());
        int icmp = Ipv6Packet.HEADER_LENGTH;
        int length = packet.length - icmp;
        buf.setByte(icmp, type);
        buf.setByte(icmp + 1, code);
        buf.setShort(icmp + 2, 0);
        buf.setInt(icmp + 4, restOfHeader);
        long pseudoHeader = InternetChecksum.ipv6PseudoHeaderSum(buf, SOURCE, ICMPV6, length);
        buf.setShort(icmp + 2, InternetChecksum.finish(InternetChecksum.sum(buf, icmp, length, pseudoHeader)));
        return bytes(buf);
    }
}
