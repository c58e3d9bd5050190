package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.PacketView;
import io.netty.buffer.ByteBuf;

/**
 * Formats an IPv6 packet for a {@link FrameFormatter}, as tcpdump prints it: its extension headers by tcpdump's
 * names, fragments as {@code frag (offset|length)}, then the upper layer.
 */
final class Ipv6Formatter {
    /** The Fragment header, and where its offset and flags are. */
    private static final int FRAGMENT_HEADER_LENGTH = 8;
    private static final int FRAGMENT_OFFSET_FIELD = 2;
    private static final int FRAGMENT_OFFSET_MASK = 0xfff8;
    /** Extension header lengths count 8-octet units, not including the first 8 octets. */
    private static final int EXTENSION_LENGTH_UNIT = 8;
    private static final int ROUTING_TYPE = 2;
    private static final int ROUTING_SEGMENTS_LEFT = 3;
    private static final int DEPRECATED_ROUTING_TYPE = 0;

    private final PacketDecoder decoder;
    private final FrameLine frameLine;
    private final StringBuilder line;
    private final Ipv6ExtensionHeaders extensionHeaders;
    private final UdpFormatter udpFormatter;
    private final TcpFormatter tcpFormatter;
    private final IcmpFormatter icmpFormatter;

    /** A formatter writing to {@code frameLine}, with {@code extensionHeaders} shared with {@code icmpFormatter}. */
    Ipv6Formatter(PacketDecoder decoder, FrameLine frameLine, Ipv6ExtensionHeaders extensionHeaders,
                  UdpFormatter udpFormatter, TcpFormatter tcpFormatter, IcmpFormatter icmpFormatter) {
        this.decoder = decoder;
        this.frameLine = frameLine;
        this.extensionHeaders = extensionHeaders;
        this.udpFormatter = udpFormatter;
        this.tcpFormatter = tcpFormatter;
        this.icmpFormatter = icmpFormatter;
        line = frameLine.text();
    }

    /**
     * Walks the extension headers of an IPv6 packet, and has the decoder decode the UDP or TCP header they lead to,
     * so that its checksum is verified as any other. Decoded here even where the decoder would have: it stops
     * before the upper layer on some errors (a multicast source), and its view must not be a previous frame's.
     */
    DecodeError decodeAfterExtensionHeaders(Ipv6Packet ipv6) {
        int protocol = extensionHeaders.walk(ipv6) == Ipv6ExtensionHeaders.Verdict.UPPER_LAYER
                ? extensionHeaders.upperLayerProtocol() : -1;
        int offset = extensionHeaders.upperLayerOffset();
        boolean transport = protocol == Ipv4Packet.PROTOCOL_UDP || protocol == Ipv4Packet.PROTOCOL_TCP;
        return transport ? decoder.decodeTransport(protocol, offset) : null;
    }

    /**
     * Appends an IPv6 packet after {@code label}: what tcpdump prints before the addresses when no link-layer header
     * named the protocol. Its extension headers must have been walked by {@link #decodeAfterExtensionHeaders}.
     */
    void append(Ipv6Packet ipv6, String label) {
        line.append(label);
        if (frameLine.malformed(ipv6)) {
            return;
        }
        ByteBuf buf = ipv6.buffer();
        PacketView ports = decoder.kind() == InboundFrame.Kind.TCP ? tcpFormatter.portsWithAddresses()
                : udpFormatter.portsWithAddresses();
        Ipv6Address.appendTo(line, buf, ipv6.sourceOffset());
        frameLine.appendPort(ports, FrameLine.SOURCE_PORT);
        Ipv6Address.appendTo(line.append(" > "), buf, ipv6.destinationOffset());
        frameLine.appendPort(ports, FrameLine.DESTINATION_PORT);
        line.append(": ");
        appendExtensionHeaders(ipv6, extensionHeaders.upperLayerOffset());
        int protocol = extensionHeaders.upperLayerProtocol();
        switch (extensionHeaders.verdict()) {
            case UPPER_LAYER -> {
                switch (protocol) {
                    case Ipv6Packet.PROTOCOL_ICMPV6 -> icmpFormatter.appendIcmpv6(ipv6, true);
                    case Ipv4Packet.PROTOCOL_UDP -> udpFormatter.append(ports != null);
                    case Ipv4Packet.PROTOCOL_TCP -> tcpFormatter.append(ports != null);
                    default -> frameLine.appendOtherProtocol(protocol, extensionHeaders.upperLayerLength());
                }
            }
            case FRAGMENT -> appendFragment(ipv6, protocol);
            case NO_NEXT_HEADER -> line.append("no next header");
            default -> frameLine.appendError(extensionHeaders.error());
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
            // Its checksum covers all the fragments.
            case Ipv6Packet.PROTOCOL_ICMPV6 -> icmpFormatter.appendIcmpv6(ipv6, false);
            case Ipv4Packet.PROTOCOL_UDP -> udpFormatter.appendOfFirstFragment(ipv6.buffer(),
                    extensionHeaders.upperLayerOffset(), extensionHeaders.upperLayerLength());
            default -> frameLine.appendOtherProtocol(protocol, extensionHeaders.upperLayerLength());
        }
    }
}
