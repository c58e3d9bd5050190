package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * Builds complete Ethernet frames into buffers from {@link ByteBufAllocator#ioBuffer(int)}, sized exactly and
 * written header by header with the per-protocol {@code write} methods, checksums included.
 *
 * <p>Every method validates its arguments before allocating, so a frame is either returned (and owned by the caller)
 * or not allocated at all. Frames are not padded to {@link EthernetFrame#MIN_FRAME_LENGTH}: TAP devices and the
 * Linux stack accept short frames, and a NIC pads on the wire.
 */
public final class Frames {
    /** The largest IPv4 payload: the 16-bit total length less the option-free header. */
    private static final int MAX_IPV4_PAYLOAD = 0xffff - Ipv4Packet.MIN_HEADER_LENGTH;
    private static final int IPV4_FRAME_HEADERS = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;

    private Frames() {
    }

    /** An ARP packet in an Ethernet frame from {@code sha} to {@code destination}. */
    public static ByteBuf arp(ByteBufAllocator alloc, int oper, long destination,
                              long sha, int spa, long tha, int tpa) {
        ByteBuf frame = alloc.ioBuffer(EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
        EthernetFrame.writeHeader(frame, destination, sha, EthernetFrame.ETHERTYPE_ARP);
        ArpPacket.write(frame, oper, sha, spa, tha, tpa);
        return frame;
    }

    /** A broadcast "who has {@code tpa}? tell {@code spa}" request. */
    public static ByteBuf arpRequest(ByteBufAllocator alloc, long sha, int spa, int tpa) {
        return arp(alloc, ArpPacket.OPER_REQUEST, MacAddress.BROADCAST.value(), sha, spa, MacAddress.ZERO.value(), tpa);
    }

    /** A unicast "{@code spa} is at {@code sha}" reply to the requester {@code tha}/{@code tpa}. */
    public static ByteBuf arpReply(ByteBufAllocator alloc, long sha, int spa, long tha, int tpa) {
        return arp(alloc, ArpPacket.OPER_REPLY, tha, sha, spa, tha, tpa);
    }

    /**
     * A gratuitous ARP announcing that {@code spa} is at {@code sha}, in the request form of an ARP Announcement
     * (RFC 5227 section 2.3), which neighbours update their caches from.
     */
    public static ByteBuf gratuitousArp(ByteBufAllocator alloc, long sha, int spa) {
        return arpRequest(alloc, sha, spa, spa);
    }

    /**
     * An ICMP echo request or reply in IPv4 in Ethernet, carrying {@code length} bytes of {@code data} from
     * absolute index {@code index}.
     */
    public static ByteBuf icmpEcho(ByteBufAllocator alloc, int type, long sourceMac, long destinationMac,
                                   int sourceAddress, int destinationAddress, int identifier, int sequenceNumber,
                                   ByteBuf data, int index, int length) {
        ByteBuf frame = ipv4(alloc, sourceMac, destinationMac, Ipv4Packet.PROTOCOL_ICMP,
                sourceAddress, destinationAddress, data, index, length, Icmpv4Packet.HEADER_LENGTH);
        Icmpv4Packet.writeEcho(frame, type, identifier, sequenceNumber, data, index, length);
        return frame;
    }

    /**
     * The echo reply to a request wrapped by the given views, sent from {@code sourceMac} and from the address the
     * request was sent to, back to its sender, with the request's identifier, sequence number and data.
     */
    public static ByteBuf icmpEchoReply(ByteBufAllocator alloc, long sourceMac,
                                        EthernetFrame ethernet, Ipv4Packet ipv4, Icmpv4Packet request) {
        return icmpEcho(alloc, Icmpv4Packet.TYPE_ECHO_REPLY, sourceMac, ethernet.source(),
                ipv4.destination(), ipv4.source(), request.identifier(), request.sequenceNumber(),
                request.buffer(), request.payloadOffset(), request.payloadLength());
    }

    /**
     * A UDP datagram in IPv4 in Ethernet, carrying {@code length} bytes of {@code data} from absolute index
     * {@code index}.
     */
    public static ByteBuf udp(ByteBufAllocator alloc, long sourceMac, long destinationMac,
                              int sourceAddress, int destinationAddress, int sourcePort, int destinationPort,
                              ByteBuf data, int index, int length) {
        ByteBuf frame = ipv4(alloc, sourceMac, destinationMac, Ipv4Packet.PROTOCOL_UDP,
                sourceAddress, destinationAddress, data, index, length, UdpDatagram.HEADER_LENGTH);
        UdpDatagram.write(frame, sourceAddress, destinationAddress, sourcePort, destinationPort, data, index, length);
        return frame;
    }

    /**
     * Allocates a frame for an upper-layer header of {@code transportHeaderLength} bytes followed by the given data,
     * and writes its Ethernet and IPv4 headers.
     */
    private static ByteBuf ipv4(ByteBufAllocator alloc, long sourceMac, long destinationMac, int protocol,
                                int sourceAddress, int destinationAddress,
                                ByteBuf data, int index, int length, int transportHeaderLength) {
        Objects.checkFromIndexSize(index, length, data.capacity());
        int payloadLength = transportHeaderLength + length;
        if (payloadLength > MAX_IPV4_PAYLOAD) {
            throw new IllegalArgumentException("IPv4 payload of " + payloadLength + " bytes exceeds "
                    + MAX_IPV4_PAYLOAD);
        }
        ByteBuf frame = alloc.ioBuffer(IPV4_FRAME_HEADERS + payloadLength);
        EthernetFrame.writeHeader(frame, destinationMac, sourceMac, EthernetFrame.ETHERTYPE_IPV4);
        Ipv4Packet.writeHeader(frame, protocol, sourceAddress, destinationAddress, payloadLength);
        return frame;
    }
}
