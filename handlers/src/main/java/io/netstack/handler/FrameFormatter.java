package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netstack.wire.PacketView;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;

import static java.util.Objects.requireNonNull;

/**
 * Renders a frame as one line, as {@code tcpdump -n -e} prints an Ethernet frame and {@code tcpdump -n} a packet of
 * a raw IP (TUN) link, at tcpdump's default verbosity, e.g. (each on one line)
 * <pre>
 * 02:00:5e:10:00:01 &gt; ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42:
 *     Request who-has 192.0.2.2 tell 192.0.2.1, length 28
 * 02:00:5e:10:00:01 &gt; 33:33:ff:00:00:02, ethertype IPv6 (0x86dd), length 86:
 *     2001:db8::1 &gt; ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 32
 * IP 192.0.2.2 &gt; 192.0.2.1: ICMP 192.0.2.2 udp port 9 unreachable, length 39
 * IP6 2001:db8::1.40000 &gt; 2001:db8::2.7: UDP, length 5
 * </pre>
 * It knows ARP, IPv4 with ICMP and UDP, IPv6 with its extension headers (named as tcpdump names them, fragments as
 * {@code frag (offset|length)}), ICMPv6 echo, Neighbor Discovery and errors, and UDP over IPv6. An ICMP error names
 * the quoted packet's destination and, for a port unreachable, its port.
 *
 * <p>Where tcpdump would print a layer it cannot make sense of, this shows {@code [malformed: reason]} after the
 * layers that decoded, and also for a checksum that does not verify or a Neighbor Discovery message that RFC 4861
 * makes a host discard (tcpdump at this verbosity checks neither). A quoted packet cut too short for what tcpdump
 * reads from it is marked as tcpdump marks it, {@code [|icmp]} or {@code [|icmp6]}.
 *
 * <p>Not worded as tcpdump words them: TCP, shown as its protocol number ({@code ip-proto-6}); the details tcpdump
 * adds to ICMP types this host neither sends nor answers (timestamps, address masks, router advertisements,
 * redirects, multicast listener messages), shown by name or number only; ICMP codes that tcpdump follows with a hex
 * dump of the message, shown on the one line.
 *
 * <p>Formatting allocates nothing but the line: the views, the extension header walker and the builder are reused.
 * Not thread-safe: one per channel.
 */
public final class FrameFormatter {
    /**
     * The destination unreachable codes of ICMP for IPv4, by code: the words before and after the address. Codes 2
     * and 3, protocol and port unreachable, are worded with the quoted protocol and port instead.
     */
    private static final String[][] IPV4_UNREACHABLE = {
        {"net ", " unreachable"},
        {"host ", " unreachable"},
        {"", " protocol unreachable"},
        {"", " port unreachable"},
        {"", " unreachable - need to frag"},
        {"", " unreachable - source route failed"},
        {"net ", " unreachable - unknown"},
        {"host ", " unreachable - unknown"},
        {"", " unreachable - source host isolated"},
        {"net ", " unreachable - admin prohibited"},
        {"host ", " unreachable - admin prohibited"},
        {"net ", " unreachable - tos prohibited"},
        {"host ", " unreachable - tos prohibited"},
        {"host ", " unreachable - admin prohibited filter"},
        {"host ", " unreachable - host precedence violation"},
        {"host ", " unreachable - precedence cutoff"},
    };
    /**
     * The destination unreachable codes of ICMPv6, by code, as tcpdump's table has them: code 1 with a leading
     * space that tcpdump prints too.
     */
    private static final String[] IPV6_UNREACHABLE = {
        "unreachable route", " unreachable prohibited", "beyond scope", "unreachable address", "unreachable port"};
    private static final String[] IPV6_PARAMETER_PROBLEMS = {
        "erroneous", "next header", "option", "incomplete header chain"};

    /** Where the IPv4 header of the packet an ICMP error quotes has its protocol and destination. */
    private static final int QUOTED_IPV4_PROTOCOL = 9;
    private static final int QUOTED_IPV4_DESTINATION = 16;
    /** Where the IPv6 header of the packet an ICMPv6 error quotes has its first next header. */
    private static final int QUOTED_IPV6_NEXT_HEADER = 6;
    /** Where a TCP or UDP header has its destination port, and how much of the header a port unreachable reads. */
    private static final int DESTINATION_PORT = 2;
    private static final int UDP_LENGTH = 4;
    private static final int PORTS_LENGTH = 4;
    /** The Fragment header, and where its offset and flags are. */
    private static final int FRAGMENT_HEADER_LENGTH = 8;
    private static final int FRAGMENT_OFFSET_FIELD = 2;
    private static final int FRAGMENT_OFFSET_MASK = 0xfff8;
    /** Extension header lengths count 8-octet units, not including the first 8 octets. */
    private static final int EXTENSION_LENGTH_UNIT = 8;
    private static final int ROUTING_TYPE = 2;
    private static final int ROUTING_SEGMENTS_LEFT = 3;
    private static final int DEPRECATED_ROUTING_TYPE = 0;

    private final LinkLayer linkLayer;
    private final PacketDecoder decoder;
    private final Ipv6ExtensionHeaders extensionHeaders = new Ipv6ExtensionHeaders();
    private final Icmpv6Packet icmpv6 = new Icmpv6Packet();
    private final NeighborDiscoveryMessage neighbor = new NeighborDiscoveryMessage();
    private final Ipv6Packet quotedIpv6 = new Ipv6Packet();
    private final Ipv6ExtensionHeaders quotedExtensionHeaders = new Ipv6ExtensionHeaders();
    private final StringBuilder line = new StringBuilder(200);
    /** The checksum failure of the frame being formatted, or {@code null}. */
    private DecodeError checksumError;

    /** A formatter of Ethernet frames, as a TAP device carries them. */
    public FrameFormatter() {
        this(LinkLayer.ETHERNET);
    }

    /**
     * A formatter of the frames of a device.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on
     *                  a TUN device
     */
    public FrameFormatter(LinkLayer linkLayer) {
        this.linkLayer = requireNonNull(linkLayer, "linkLayer");
        decoder = new PacketDecoder(linkLayer);
    }

    /**
     * Formats the readable bytes of {@code frame}, leaving its indexes alone. Never throws on any content.
     *
     * @param frame a frame of the link layer this formatter was made for
     * @return one line, without a line break
     */
    public String format(ByteBuf frame) {
        line.setLength(0);
        DecodeError error = decoder.decode(frame);
        if (decoder.ip() == decoder.ipv6()) {
            // Walked even when the layer above is broken: the line names the extension headers before it.
            DecodeError upperLayer = decodeAfterExtensionHeaders(decoder.ipv6());
            error = error != null ? error : upperLayer;
        }
        checksumError = error == null ? decoder.verifyChecksums() : null;
        if (linkLayer == LinkLayer.IP) {
            appendBareIp(frame);
        } else {
            appendEthernetFrame(frame);
        }
        return line.toString();
    }

    /**
     * Walks the extension headers of an IPv6 packet, and has the decoder decode the UDP or TCP header they lead to,
     * which it finds only right after the fixed header, so that its checksum is verified as any other.
     */
    private DecodeError decodeAfterExtensionHeaders(Ipv6Packet ipv6) {
        int protocol = extensionHeaders.walk(ipv6) == Ipv6ExtensionHeaders.Verdict.UPPER_LAYER
                ? extensionHeaders.upperLayerProtocol() : -1;
        int offset = extensionHeaders.upperLayerOffset();
        boolean transport = protocol == Ipv4Packet.PROTOCOL_UDP || protocol == Ipv4Packet.PROTOCOL_TCP;
        return transport && offset != ipv6.payloadOffset() ? decoder.decodeTransport(protocol, offset) : null;
    }

    private void appendEthernetFrame(ByteBuf frame) {
        EthernetFrame ethernet = decoder.ethernet();
        if (malformed(ethernet)) {
            line.append(", length ").append(frame.readableBytes());
            return;
        }
        appendEthernet(ethernet, frame.readableBytes());
        switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_ARP -> appendArp(decoder.arp());
            case EthernetFrame.ETHERTYPE_IPV4 -> appendIpv4(decoder.ipv4(), "");
            case EthernetFrame.ETHERTYPE_IPV6 -> appendIpv6(decoder.ipv6(), "");
            default -> line.setLength(line.length() - 2); // drop the ": " that announced a payload
        }
    }

    /** A TUN packet: tcpdump names the IP version where the Ethernet header would have told it. */
    private void appendBareIp(ByteBuf packet) {
        if (!packet.isReadable()) {
            line.append("[|ip]");
            return;
        }
        int version = packet.getUnsignedByte(packet.readerIndex()) >>> 4;
        switch (version) {
            case Ipv4Packet.VERSION -> appendIpv4(decoder.ipv4(), "IP ");
            case Ipv6Packet.VERSION -> appendIpv6(decoder.ipv6(), "IP6 ");
            default -> line.append("unknown ip ").append(version);
        }
    }

    private void appendEthernet(EthernetFrame ethernet, int frameLength) {
        int tags = ethernet.vlanTagCount();
        MacAddress.appendTo(line, ethernet.source()).append(" > ");
        MacAddress.appendTo(line, ethernet.destination()).append(", ethertype ");
        appendEtherType(tags == 0 ? ethernet.etherType() : ethernet.vlanTpid(0));
        line.append(", length ").append(frameLength).append(": ");
        for (int tag = 0; tag < tags; tag++) {
            line.append("vlan ").append(ethernet.vlanId(tag)).append(", p ").append(ethernet.vlanPcp(tag));
            if (ethernet.vlanDei(tag)) {
                line.append(", DEI");
            }
            line.append(", ethertype ");
            appendEtherType(tag + 1 < tags ? ethernet.vlanTpid(tag + 1) : ethernet.etherType());
            line.append(", ");
        }
    }

    private void appendEtherType(int etherType) {
        String name = switch (etherType) {
            case EthernetFrame.ETHERTYPE_IPV4 -> "IPv4";
            case EthernetFrame.ETHERTYPE_ARP -> "ARP";
            case EthernetFrame.ETHERTYPE_VLAN -> "802.1Q";
            case EthernetFrame.ETHERTYPE_IPV6 -> "IPv6";
            case EthernetFrame.ETHERTYPE_QINQ -> "802.1Q-QinQ";
            default -> "Unknown";
        };
        line.append(name).append(" (0x");
        for (int shift = 12; shift >= 0; shift -= 4) {
            line.append(Character.forDigit(etherType >>> shift & 0xf, 16));
        }
        line.append(')');
    }

    private void appendArp(ArpPacket arp) {
        if (malformed(arp)) {
            return;
        }
        switch (arp.oper()) {
            case ArpPacket.OPER_REQUEST -> Ipv4Address.appendTo(
                    Ipv4Address.appendTo(line.append("Request who-has "), arp.tpa()).append(" tell "), arp.spa());
            case ArpPacket.OPER_REPLY -> MacAddress.appendTo(
                    Ipv4Address.appendTo(line.append("Reply "), arp.spa()).append(" is-at "), arp.sha());
            default -> line.append("ARP op ").append(arp.oper());
        }
        line.append(", length ").append(arp.length());
    }

    /**
     * Appends an IPv4 packet after {@code label}: what tcpdump prints before the addresses when no link-layer
     * header named the protocol.
     */
    private void appendIpv4(Ipv4Packet ipv4, String label) {
        line.append(label);
        if (malformed(ipv4, DecodeError.IPV4_BAD_CHECKSUM)) {
            return;
        }
        // Like tcpdump, show UDP ports as a suffix of the addresses.
        UdpDatagram udp = udpRightAfterIpHeader();
        Ipv4Address.appendTo(line, ipv4.source());
        if (udp != null) {
            line.append('.').append(udp.sourcePort());
        }
        Ipv4Address.appendTo(line.append(" > "), ipv4.destination());
        if (udp != null) {
            line.append('.').append(udp.destinationPort());
        }
        line.append(": ");
        switch (decoder.kind()) {
            case UDP -> appendUdp(udp != null);
            case ICMPV4 -> appendIcmp(decoder.icmpv4());
            case IPV4_FRAGMENT -> line.append("ip-proto-").append(ipv4.protocol())
                    .append(" (frag ").append(ipv4.identification()).append(':').append(ipv4.payloadLength())
                    .append('@').append(ipv4.fragmentOffsetBytes()).append(ipv4.moreFragments() ? "+)" : ")");
            default -> appendOtherProtocol(ipv4.protocol(), ipv4.payloadLength());
        }
    }

    /**
     * The decoder's UDP view if the frame is UDP, well-formed, with a checksum that verifies, and follows the IP
     * header right away: tcpdump shows its ports with the addresses.
     */
    private UdpDatagram udpRightAfterIpHeader() {
        UdpDatagram udp = decoder.udp();
        return decoder.kind() == InboundFrame.Kind.UDP && udp.error() == null && checksumError == null
                && udp.offset() == decoder.ip().payloadOffset() ? udp : null;
    }

    /**
     * Appends the decoder's UDP datagram.
     *
     * @param portsShown whether the ports were printed with the addresses
     */
    private void appendUdp(boolean portsShown) {
        UdpDatagram udp = decoder.udp();
        if (malformed(udp, DecodeError.UDP_BAD_CHECKSUM)) {
            return;
        }
        if (!portsShown) {
            line.append(udp.sourcePort()).append(" > ").append(udp.destinationPort()).append(": ");
        }
        line.append("UDP, length ").append(udp.payloadLength());
    }

    /**
     * Appends the UDP header at the start of a first fragment as tcpdump reads it: the length is the header's, of
     * a datagram the fragment holds only part of.
     */
    private void appendUdpOfFirstFragment(ByteBuf buf, int udp, int available) {
        if (available < UdpDatagram.HEADER_LENGTH) {
            line.append("[|udp]");
            return;
        }
        line.append(buf.getUnsignedShort(udp)).append(" > ").append(buf.getUnsignedShort(udp + DESTINATION_PORT))
                .append(": UDP, length ").append(buf.getUnsignedShort(udp + UDP_LENGTH) - UdpDatagram.HEADER_LENGTH);
    }

    /** tcpdump's form for a protocol it does not decode, after the ": " that ends the addresses: hence two spaces. */
    private void appendOtherProtocol(int protocol, int length) {
        line.append(" ip-proto-").append(protocol).append(' ').append(length);
    }

    private void appendIcmp(Icmpv4Packet icmp) {
        if (malformed(icmp, DecodeError.ICMPV4_BAD_CHECKSUM)) {
            return;
        }
        if (icmp.type() == Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE && unreachableQuoteTooShort(icmp)) {
            line.append(" [|icmp]"); // tcpdump's mark, after the ": " that ends the addresses
            return;
        }
        line.append("ICMP ");
        switch (icmp.type()) {
            case Icmpv4Packet.TYPE_ECHO_REQUEST, Icmpv4Packet.TYPE_ECHO_REPLY -> line
                    .append(icmp.type() == Icmpv4Packet.TYPE_ECHO_REQUEST ? "echo request" : "echo reply")
                    .append(", id ").append(icmp.identifier()).append(", seq ").append(icmp.sequenceNumber());
            case Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE -> appendIcmpUnreachable(icmp);
            case Icmpv4Packet.TYPE_TIME_EXCEEDED -> {
                switch (icmp.code()) {
                    case Icmpv4Packet.CODE_TTL_EXCEEDED_IN_TRANSIT -> line.append("time exceeded in-transit");
                    case Icmpv4Packet.CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED ->
                            line.append("ip reassembly time exceeded");
                    default -> line.append("time exceeded-#").append(icmp.code());
                }
            }
            case Icmpv4Packet.TYPE_PARAMETER_PROBLEM -> {
                line.append("parameter problem - ");
                if (icmp.code() == Icmpv4Packet.CODE_POINTER_INDICATES_ERROR) {
                    line.append("octet ").append(icmp.pointer());
                } else {
                    line.append("code ").append(icmp.code());
                }
            }
            case Icmpv4Packet.TYPE_SOURCE_QUENCH -> line.append("source quench");
            default -> line.append("type-#").append(icmp.type());
        }
        line.append(", length ").append(icmp.length());
    }

    /**
     * Whether a destination unreachable quotes too little for what tcpdump reads of it: the IPv4 header, and for a
     * port unreachable the ports after it.
     */
    private static boolean unreachableQuoteTooShort(Icmpv4Packet icmp) {
        int quotedLength = icmp.originalDatagramLength();
        if (quotedLength < Ipv4Packet.MIN_HEADER_LENGTH) {
            return true;
        }
        return icmp.code() == Icmpv4Packet.CODE_PORT_UNREACHABLE
                && quotedTransportOffset(icmp) + PORTS_LENGTH > icmp.originalDatagramOffset() + quotedLength;
    }

    /** {@return the index of the transport header of the packet an ICMP error quotes, after its IPv4 header} */
    private static int quotedTransportOffset(Icmpv4Packet icmp) {
        int quoted = icmp.originalDatagramOffset();
        return quoted + (icmp.buffer().getUnsignedByte(quoted) & 0x0f) * 4;
    }

    /**
     * Appends what a destination unreachable says about the packet it quotes, which
     * {@link #unreachableQuoteTooShort} found long enough: its destination, and for a port unreachable its protocol
     * and port.
     */
    private void appendIcmpUnreachable(Icmpv4Packet icmp) {
        ByteBuf buf = icmp.buffer();
        int quoted = icmp.originalDatagramOffset();
        int destination = Ipv4Address.read(buf, quoted + QUOTED_IPV4_DESTINATION);
        int protocol = buf.getUnsignedByte(quoted + QUOTED_IPV4_PROTOCOL);
        int code = icmp.code();
        switch (code) {
            case Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE -> Ipv4Address.appendTo(line, destination)
                    .append(" protocol ").append(protocol).append(" unreachable");
            case Icmpv4Packet.CODE_PORT_UNREACHABLE -> {
                Ipv4Address.appendTo(line, destination);
                appendPort(protocol, buf.getUnsignedShort(quotedTransportOffset(icmp) + DESTINATION_PORT));
                line.append(" unreachable");
            }
            case Icmpv4Packet.CODE_FRAGMENTATION_NEEDED -> {
                Ipv4Address.appendTo(line, destination).append(IPV4_UNREACHABLE[code][1]);
                if (icmp.nextHopMtu() != 0) {
                    line.append(" (mtu ").append(icmp.nextHopMtu()).append(')');
                }
            }
            default -> {
                if (code < IPV4_UNREACHABLE.length) {
                    Ipv4Address.appendTo(line.append(IPV4_UNREACHABLE[code][0]), destination)
                            .append(IPV4_UNREACHABLE[code][1]);
                } else {
                    Ipv4Address.appendTo(line, destination).append(" unreachable - #").append(code);
                }
            }
        }
    }

    /** Appends " udp port 9", " tcp port 80" or " protocol 253 port 7", as tcpdump names an unreachable port. */
    private void appendPort(int protocol, int port) {
        switch (protocol) {
            case Ipv4Packet.PROTOCOL_UDP -> line.append(" udp port ");
            case Ipv4Packet.PROTOCOL_TCP -> line.append(" tcp port ");
            default -> line.append(" protocol ").append(protocol).append(" port ");
        }
        line.append(port);
    }

    /** Appends an IPv6 packet after {@code label}, as {@link #appendIpv4} does. */
    private void appendIpv6(Ipv6Packet ipv6, String label) {
        line.append(label);
        if (malformed(ipv6)) {
            return;
        }
        ByteBuf buf = ipv6.buffer();
        UdpDatagram udp = udpRightAfterIpHeader();
        Ipv6Address.appendTo(line, buf, ipv6.sourceOffset());
        if (udp != null) {
            line.append('.').append(udp.sourcePort());
        }
        Ipv6Address.appendTo(line.append(" > "), buf, ipv6.destinationOffset());
        if (udp != null) {
            line.append('.').append(udp.destinationPort());
        }
        line.append(": ");
        appendExtensionHeaders(ipv6, extensionHeaders.upperLayerOffset());
        int protocol = extensionHeaders.upperLayerProtocol();
        switch (extensionHeaders.verdict()) {
            case UPPER_LAYER -> {
                switch (protocol) {
                    case Ipv6Packet.PROTOCOL_ICMPV6 -> appendIcmpv6(ipv6, true);
                    case Ipv4Packet.PROTOCOL_UDP -> appendUdp(udp != null);
                    default -> appendOtherProtocol(protocol, extensionHeaders.upperLayerLength());
                }
            }
            case FRAGMENT -> appendFragment(ipv6, protocol);
            case NO_NEXT_HEADER -> line.append("no next header");
            default -> appendError(extensionHeaders.error());
        }
    }

    /**
     * Names the extension headers before {@code end} as tcpdump does. The walker has checked that each of them
     * lies within the packet, so they are read without checks.
     */
    private void appendExtensionHeaders(Ipv6Packet ipv6, int end) {
        ByteBuf buf = ipv6.buffer();
        int packetEnd = ipv6.offset() + ipv6.length();
        int type = ipv6.nextHeader();
        for (int header = ipv6.payloadOffset(); header < end; ) {
            int length = (buf.getUnsignedByte(header + 1) + 1) * EXTENSION_LENGTH_UNIT;
            switch (type) {
                case Ipv6ExtensionHeaders.HOP_BY_HOP -> line.append("HBH ");
                case Ipv6ExtensionHeaders.DESTINATION_OPTIONS -> line.append("DSTOPT ");
                case Ipv6ExtensionHeaders.ROUTING -> {
                    int routingType = buf.getUnsignedByte(header + ROUTING_TYPE);
                    line.append("RT6 (len=").append(buf.getUnsignedByte(header + 1))
                            .append(", type=").append(routingType)
                            .append(routingType == DEPRECATED_ROUTING_TYPE ? " [Deprecated]" : "")
                            .append(", segleft=").append(buf.getUnsignedByte(header + ROUTING_SEGMENTS_LEFT))
                            .append(") ");
                }
                default -> { // only a Fragment header is left before the upper layer
                    length = FRAGMENT_HEADER_LENGTH;
                    line.append("frag (")
                            .append(buf.getUnsignedShort(header + FRAGMENT_OFFSET_FIELD) & FRAGMENT_OFFSET_MASK)
                            .append('|').append(packetEnd - header - length).append(") ");
                }
            }
            type = buf.getUnsignedByte(header);
            header += length;
        }
    }

    /**
     * After {@code frag (offset|length)}: the first fragment's upper-layer header, which tcpdump reads, and nothing
     * for the others.
     */
    private void appendFragment(Ipv6Packet ipv6, int protocol) {
        if (extensionHeaders.fragmentOffset() != 0) {
            line.setLength(line.length() - 1); // the space that would have led to the upper layer
            return;
        }
        switch (protocol) {
            case Ipv6Packet.PROTOCOL_ICMPV6 -> appendIcmpv6(ipv6, false); // its checksum covers all the fragments
            case Ipv4Packet.PROTOCOL_UDP -> appendUdpOfFirstFragment(ipv6.buffer(),
                    extensionHeaders.upperLayerOffset(), extensionHeaders.upperLayerLength());
            default -> appendOtherProtocol(protocol, extensionHeaders.upperLayerLength());
        }
    }

    private void appendIcmpv6(Ipv6Packet ipv6, boolean verifyChecksum) {
        extensionHeaders.wrapUpperLayer(icmpv6);
        if (malformed(icmpv6)) {
            return;
        }
        if (verifyChecksum && !icmpv6.isChecksumValid(ipv6)) {
            appendError(DecodeError.ICMPV6_BAD_CHECKSUM);
            return;
        }
        int type = icmpv6.type();
        boolean neighborDiscovery = type == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION
                || type == Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT;
        if (neighborDiscovery && malformedNeighborDiscovery(ipv6)) {
            return;
        }
        line.append("ICMP6, ");
        int code = icmpv6.code();
        switch (type) {
            case Icmpv6Packet.TYPE_ECHO_REQUEST, Icmpv6Packet.TYPE_ECHO_REPLY -> line
                    .append(icmpv6.type() == Icmpv6Packet.TYPE_ECHO_REQUEST ? "echo request" : "echo reply")
                    .append(", id ").append(icmpv6.identifier()).append(", seq ").append(icmpv6.sequenceNumber());
            case Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT ->
                    Ipv6Address.appendTo(line.append(neighbor.isSolicitation()
                            ? "neighbor solicitation, who has " : "neighbor advertisement, tgt is "),
                            neighbor.buffer(), neighbor.targetOffset());
            case Icmpv6Packet.TYPE_DESTINATION_UNREACHABLE -> {
                line.append("destination unreachable, ");
                if (code >= IPV6_UNREACHABLE.length) {
                    line.append("unknown unreach code (").append(code).append(')');
                } else if (!appendIcmpv6Unreachable(code)) {
                    line.append(" [|icmp6]");
                    return;
                }
            }
            case Icmpv6Packet.TYPE_PACKET_TOO_BIG -> line.append("packet too big, mtu ").append(icmpv6.mtu());
            case Icmpv6Packet.TYPE_TIME_EXCEEDED -> {
                line.append("time exceeded in-transit");
                switch (code) {
                    case Icmpv6Packet.CODE_HOP_LIMIT_EXCEEDED -> {
                        if (icmpv6.invokingPacketLength() < Ipv6Packet.HEADER_LENGTH) {
                            line.append(" [|icmp6]");
                            return;
                        }
                        Ipv6Address.appendTo(line.append(" for "), icmpv6.buffer(), quotedDestination());
                    }
                    case Icmpv6Packet.CODE_REASSEMBLY_TIME_EXCEEDED -> line.append(" (reassembly)");
                    default -> line.append(", unknown code (").append(code).append(')');
                }
            }
            case Icmpv6Packet.TYPE_PARAMETER_PROBLEM -> {
                line.append("parameter problem, ");
                if (code < IPV6_PARAMETER_PROBLEMS.length) {
                    line.append(IPV6_PARAMETER_PROBLEMS[code]);
                } else {
                    line.append("code-#").append(code);
                }
                line.append(" - octet ").append(icmpv6.pointer());
            }
            case Icmpv6Packet.TYPE_ROUTER_SOLICITATION -> line.append("router solicitation");
            case Icmpv6Packet.TYPE_ROUTER_ADVERTISEMENT -> line.append("router advertisement");
            default -> line.append("type ").append(icmpv6.type()).append(", code ").append(code);
        }
        line.append(", length ").append(icmpv6.length());
    }

    /** {@return the index of the destination address of the packet the ICMPv6 error quotes} */
    private int quotedDestination() {
        return icmpv6.invokingPacketOffset() + Ipv6Packet.HEADER_LENGTH - Ipv6Address.LENGTH;
    }

    /** Points the NDP view at the ICMPv6 message, and appends why RFC 4861 makes a host discard it, if it does. */
    private boolean malformedNeighborDiscovery(Ipv6Packet ipv6) {
        extensionHeaders.wrapUpperLayer(neighbor);
        return appendError(neighbor.error() != null ? neighbor.error() : neighbor.ipHeaderError(ipv6));
    }

    /**
     * Appends the code of an ICMPv6 destination unreachable and the quoted packet's destination, with its
     * protocol and port for a port unreachable.
     *
     * @return {@code false} if the quote is too short for that
     */
    private boolean appendIcmpv6Unreachable(int code) {
        ByteBuf buf = icmpv6.buffer();
        int quoted = icmpv6.invokingPacketOffset();
        int quotedLength = icmpv6.invokingPacketLength();
        line.append(IPV6_UNREACHABLE[code]);
        if (quotedLength < Ipv6Packet.HEADER_LENGTH) {
            return false;
        }
        int destination = quotedDestination();
        switch (code) {
            case Icmpv6Packet.CODE_PORT_UNREACHABLE -> {
                int protocol;
                int transport;
                if (quotedIpv6.wrap(buf, quoted, quotedLength) && quotedExtensionHeaders.walk(quotedIpv6)
                        == Ipv6ExtensionHeaders.Verdict.UPPER_LAYER) {
                    protocol = quotedExtensionHeaders.upperLayerProtocol();
                    transport = quotedExtensionHeaders.upperLayerOffset();
                } else {
                    // A quote cut short of its payload length: only a transport header right after the fixed one.
                    protocol = buf.getUnsignedByte(quoted + QUOTED_IPV6_NEXT_HEADER);
                    transport = quoted + Ipv6Packet.HEADER_LENGTH;
                }
                if (transport + PORTS_LENGTH > quoted + quotedLength) {
                    return false;
                }
                Ipv6Address.appendTo(line.append(", "), buf, destination);
                appendPort(protocol, buf.getUnsignedShort(transport + DESTINATION_PORT));
                if (protocol != Ipv4Packet.PROTOCOL_UDP && protocol != Ipv4Packet.PROTOCOL_TCP) {
                    line.append(" unreachable");
                }
            }
            case Icmpv6Packet.CODE_BEYOND_SCOPE -> Ipv6Address.appendTo(
                    Ipv6Address.appendTo(line.append(' '), buf, destination).append(", source address "),
                    buf, quoted + Ipv6Packet.HEADER_LENGTH - 2 * Ipv6Address.LENGTH);
            default -> Ipv6Address.appendTo(line.append(' '), buf, destination);
        }
        return true;
    }

    /** Appends the reason if {@code view}, which has no checksum, failed to decode, and tells whether it did. */
    private boolean malformed(PacketView view) {
        return appendError(view.error());
    }

    /** The same for a view whose checksum failure is reported as {@code badChecksum}. */
    private boolean malformed(PacketView view, DecodeError badChecksum) {
        return appendError(view.error() != null ? view.error()
                : checksumError == badChecksum ? badChecksum : null);
    }

    private boolean appendError(DecodeError error) {
        if (error == null) {
            return false;
        }
        line.append("[malformed: ").append(error.description()).append(']');
        return true;
    }
}
