package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netty.buffer.ByteBuf;

/**
 * Formats the ICMP messages and errors of IPv4 and IPv6 for a {@link FrameFormatter}, as tcpdump prints them: an
 * error names the quoted packet's destination and, for a port unreachable, its protocol and port.
 */
final class IcmpFormatter {
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
    /** How much of a TCP or UDP header a port unreachable reads: both ports. */
    private static final int PORTS_LENGTH = 4;

    private final FrameLine frameLine;
    private final StringBuilder line;
    private final Ipv6ExtensionHeaders extensionHeaders;
    private final Icmpv6Packet icmpv6 = new Icmpv6Packet();
    private final NeighborDiscoveryMessage neighbor = new NeighborDiscoveryMessage();
    private final Ipv6Packet quotedIpv6 = new Ipv6Packet();
    private final Ipv6ExtensionHeaders quotedExtensionHeaders = new Ipv6ExtensionHeaders();

    /**
     * A formatter writing to {@code frameLine} that finds the ICMPv6 message with {@code extensionHeaders}, the walker
     * of the IPv6 packet being formatted.
     */
    IcmpFormatter(FrameLine frameLine, Ipv6ExtensionHeaders extensionHeaders) {
        this.frameLine = frameLine;
        this.extensionHeaders = extensionHeaders;
        line = frameLine.text();
    }

    void appendIcmpv4(Icmpv4Packet icmp) {
        if (frameLine.malformed(icmp, DecodeError.ICMPV4_BAD_CHECKSUM)) {
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
                int port = buf.getUnsignedShort(quotedTransportOffset(icmp) + FrameLine.DESTINATION_PORT);
                frameLine.appendPort(protocol, port);
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


    void appendIcmpv6(Ipv6Packet ipv6, boolean verifyChecksum) {
        extensionHeaders.wrapUpperLayer(icmpv6);
        if (frameLine.malformed(icmpv6)) {
            return;
        }
        if (verifyChecksum && !icmpv6.isChecksumValid(ipv6)) {
            frameLine.appendError(DecodeError.ICMPV6_BAD_CHECKSUM);
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
        return frameLine.appendError(neighbor.error() != null ? neighbor.error() : neighbor.ipHeaderError(ipv6));
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
                frameLine.appendPort(protocol, buf.getUnsignedShort(transport + FrameLine.DESTINATION_PORT));
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
}
