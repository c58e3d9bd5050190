package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * Builds ARP frames and IP packets into buffers from {@link ByteBufAllocator#ioBuffer(int)}, sized exactly and
 * written header by header from the header records ({@link ArpHeader}, {@link Ipv4Header}, ...), checksums included.
 * ARP exists only on Ethernet, so its builders make whole Ethernet frames. The IP-layer builders make the IP packet
 * alone, at the buffer's reader index, after {@link #LINK_HEADROOM} free bytes: the link layer under it decides what
 * goes in front ({@link EthernetHeader#prependTo} on a TAP device, nothing on a TUN device).
 *
 * <p>Every method validates its arguments before allocating, so a frame is either returned (and owned by the caller)
 * or not allocated at all. Frames are not padded to {@link EthernetFrame#MIN_FRAME_LENGTH}: TAP devices and the
 * Linux stack accept short frames, and a NIC pads on the wire.
 */
public final class Frames {
    /**
     * The bytes an IP-layer builder leaves free before the IP packet it writes: room for the Ethernet header, so
     * that a host on a TAP device prepends the link layer in place (by moving the reader index back), and a host
     * on a TUN device sends the same buffer as it is.
     */
    public static final int LINK_HEADROOM = EthernetFrame.HEADER_LENGTH;

    /** The largest IPv4 payload: the 16-bit total length less the option-free header. */
    private static final int MAX_IPV4_PAYLOAD = 0xffff - Ipv4Packet.MIN_HEADER_LENGTH;

    private Frames() {
    }

    /**
     * An ARP packet in an Ethernet frame from its sender's hardware address to {@code destination}.
     *
     * @param alloc       the allocator of the frame
     * @param destination the frame's destination MAC address
     * @param arp         the packet
     * @return the frame, owned by the caller
     */
    public static ByteBuf arp(ByteBufAllocator alloc, long destination, ArpHeader arp) {
        FieldRange.mac("destination", destination);
        return arp(alloc, destination, arp.oper(), arp.sha(), arp.spa(), arp.tha(), arp.tpa());
    }

    /** An ARP packet of fields within range in an Ethernet frame from {@code sha} to {@code destination}. */
    private static ByteBuf arp(ByteBufAllocator alloc, long destination, int oper, long sha, int spa, long tha,
                               int tpa) {
        ByteBuf frame = alloc.ioBuffer(EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
        EthernetHeader.write(frame, destination, sha, EthernetFrame.ETHERTYPE_ARP);
        ArpHeader.write(frame, oper, sha, spa, tha, tpa);
        return frame;
    }

    /**
     * A broadcast "who has {@code tpa}? tell {@code spa}" request.
     *
     * @param alloc the allocator of the frame
     * @param sha   the sender's MAC address
     * @param spa   the sender's IPv4 address
     * @param tpa   the address asked for
     * @return the frame, owned by the caller
     */
    public static ByteBuf arpRequest(ByteBufAllocator alloc, long sha, int spa, int tpa) {
        return arp(alloc, MacAddress.BROADCAST.value(), ArpHeader.request(sha, spa, tpa));
    }

    /**
     * A unicast "{@code spa} is at {@code sha}" reply to the requester {@code tha}/{@code tpa}.
     *
     * @param alloc the allocator of the frame
     * @param sha   the replying host's MAC address
     * @param spa   the address asked for
     * @param tha   the requester's MAC address
     * @param tpa   the requester's IPv4 address
     * @return the frame, owned by the caller
     */
    public static ByteBuf arpReply(ByteBufAllocator alloc, long sha, int spa, long tha, int tpa) {
        // From the fields, not through header records, which escape when the allocation is not inlined: answering
        // allocates the frame only.
        FieldRange.mac("sha", sha);
        FieldRange.mac("tha", tha);
        return arp(alloc, tha, ArpPacket.OPER_REPLY, sha, spa, tha, tpa);
    }

    /**
     * A gratuitous ARP announcing that {@code spa} is at {@code sha}, in the request form of an ARP Announcement
     * (RFC 5227 section 2.3), which neighbours update their caches from.
     *
     * @param alloc the allocator of the frame
     * @param sha   the announcing host's MAC address
     * @param spa   the address announced
     * @return the frame, owned by the caller
     */
    public static ByteBuf gratuitousArp(ByteBufAllocator alloc, long sha, int spa) {
        return arpRequest(alloc, sha, spa, spa);
    }

    /**
     * An ICMP echo request or reply in IPv4, carrying {@code length} bytes of {@code data} from absolute index
     * {@code index}, after {@link #LINK_HEADROOM} bytes of headroom.
     *
     * @param alloc  the allocator of the packet
     * @param ip     the IPv4 header, with protocol {@link Ipv4Packet#PROTOCOL_ICMP}
     * @param echo   the ICMP header
     * @param data   the buffer holding the echo data
     * @param index  the absolute index of the data in {@code data}
     * @param length the data's length in bytes
     * @return the packet, its reader index at the IPv4 header, owned by the caller
     * @throws IllegalArgumentException  if the IPv4 header names another protocol or the data do not fit in an IPv4
     *                                   packet
     * @throws IndexOutOfBoundsException if the data lie outside {@code data}
     */
    public static ByteBuf icmpEcho(ByteBufAllocator alloc, Ipv4Header ip, Icmpv4EchoHeader echo,
                                   ByteBuf data, int index, int length) {
        checkProtocol(ip, Ipv4Packet.PROTOCOL_ICMP);
        ByteBuf packet = ipv4(alloc, ip.source(), ip.destination(), Ipv4Packet.PROTOCOL_ICMP, ip.ttl(),
                Icmpv4Packet.HEADER_LENGTH, data, index, length);
        echo.write(packet, data, index, length);
        return packet;
    }

    /**
     * The echo reply to a request wrapped by the given views, from the address the request was sent to back to its
     * sender, with the request's identifier, sequence number and data, after {@link #LINK_HEADROOM} bytes of
     * headroom.
     *
     * @param alloc   the allocator of the packet
     * @param ipv4    the request's IPv4 packet
     * @param request the echo request
     * @return the packet, its reader index at the IPv4 header, owned by the caller
     */
    public static ByteBuf icmpEchoReply(ByteBufAllocator alloc, Ipv4Packet ipv4, Icmpv4Packet request) {
        // Straight from the views' fields, not through header records, so that answering allocates the packet only.
        ByteBuf data = request.buffer();
        int index = request.payloadOffset();
        int length = request.payloadLength();
        ByteBuf packet = ipv4(alloc, ipv4.destination(), ipv4.source(), Ipv4Packet.PROTOCOL_ICMP,
                Ipv4Packet.DEFAULT_TTL, Icmpv4Packet.HEADER_LENGTH, data, index, length);
        Icmpv4Packet.write(packet, Icmpv4Packet.TYPE_ECHO_REPLY, 0,
                request.identifier() << Short.SIZE | request.sequenceNumber(), data, index, length);
        return packet;
    }

    /**
     * A UDP datagram in IPv4, carrying {@code length} bytes of {@code data} from absolute index {@code index}, after
     * {@link #LINK_HEADROOM} bytes of headroom.
     *
     * @param alloc  the allocator of the packet
     * @param ip     the IPv4 header, with protocol {@link Ipv4Packet#PROTOCOL_UDP}
     * @param udp    the UDP ports
     * @param data   the buffer holding the data
     * @param index  the absolute index of the data in {@code data}
     * @param length the data's length in bytes
     * @return the packet, its reader index at the IPv4 header, owned by the caller
     * @throws IllegalArgumentException  if the IPv4 header names another protocol or the data do not fit in an IPv4
     *                                   packet
     * @throws IndexOutOfBoundsException if the data lie outside {@code data}
     */
    public static ByteBuf udp(ByteBufAllocator alloc, Ipv4Header ip, UdpHeader udp,
                              ByteBuf data, int index, int length) {
        checkProtocol(ip, Ipv4Packet.PROTOCOL_UDP);
        ByteBuf packet = ipv4(alloc, ip.source(), ip.destination(), Ipv4Packet.PROTOCOL_UDP, ip.ttl(),
                UdpDatagram.HEADER_LENGTH, data, index, length);
        UdpHeader.write(packet, udp.sourcePort(), udp.destinationPort(),
                ip.pseudoHeaderSum(UdpDatagram.HEADER_LENGTH + length), data, index, length);
        return packet;
    }

    /**
     * The reply to a datagram wrapped by the given views, from the address and port it was sent to back to its
     * sender, carrying {@code length} bytes of {@code data} from absolute index {@code index}, after
     * {@link #LINK_HEADROOM} bytes of headroom.
     *
     * @param alloc   the allocator of the packet
     * @param ipv4    the request's IPv4 packet
     * @param request the request's UDP datagram
     * @param data    the buffer holding the reply's data, e.g. the request's for an echo
     * @param index   the absolute index of the data in {@code data}
     * @param length  the data's length in bytes
     * @return the packet, its reader index at the IPv4 header, owned by the caller
     * @throws IllegalArgumentException  if the data do not fit in an IPv4 packet
     * @throws IndexOutOfBoundsException if the data lie outside {@code data}
     */
    public static ByteBuf udpReply(ByteBufAllocator alloc, Ipv4Packet ipv4, UdpDatagram request,
                                   ByteBuf data, int index, int length) {
        // Straight from the views' fields, not through header records, so that answering allocates the packet only.
        return udpDatagram(alloc, ipv4.destination(), request.destinationPort(), ipv4.source(), request.sourcePort(),
                data, index, length);
    }

    /**
     * A UDP datagram in an IPv4 packet from one socket address to another, carrying {@code length} bytes of
     * {@code data} from absolute index {@code index}, after {@link #LINK_HEADROOM} bytes of headroom: built from the
     * fields rather than header records, for a sender that builds one per datagram and should allocate the packet
     * only.
     *
     * @param alloc           the allocator of the packet
     * @param source          the source address, see {@link Ipv4Address}
     * @param sourcePort      the source port, 0 to 65535
     * @param destination     the destination address
     * @param destinationPort the destination port, 0 to 65535
     * @param data            the buffer holding the data
     * @param index           the absolute index of the data in {@code data}
     * @param length          the data's length in bytes
     * @return the packet, its reader index at the IPv4 header, owned by the caller
     * @throws IllegalArgumentException  if a port is out of range or the data do not fit in an IPv4 packet
     * @throws IndexOutOfBoundsException if the data lie outside {@code data}
     */
    public static ByteBuf udpDatagram(ByteBufAllocator alloc, int source, int sourcePort, int destination,
                                      int destinationPort, ByteBuf data, int index, int length) {
        UdpHeader.checkPorts(sourcePort, destinationPort);
        ByteBuf packet = ipv4(alloc, source, destination, Ipv4Packet.PROTOCOL_UDP, Ipv4Packet.DEFAULT_TTL,
                UdpDatagram.HEADER_LENGTH, data, index, length);
        UdpHeader.write(packet, sourcePort, destinationPort, InternetChecksum.pseudoHeaderSum(
                source, destination, Ipv4Packet.PROTOCOL_UDP, UdpDatagram.HEADER_LENGTH + length), data, index, length);
        return packet;
    }

    /**
     * Appends {@code length} bytes of {@code data} from absolute index {@code index}: the data of a datagram or an
     * echo. The copy is asked of {@code data} ({@code getBytes}) rather than of {@code out} ({@code writeBytes}):
     * without {@code Unsafe}, as on JDK 25, a pooled direct buffer copying from another direct buffer makes fresh
     * {@code ByteBuffer} views of its source for every copy, even of nothing, while a pooled direct source copies
     * from its own memory into the view its destination keeps, allocating nothing per frame.
     */
    static void writeData(ByteBuf out, ByteBuf data, int index, int length) {
        int at = out.writerIndex();
        out.ensureWritable(length);
        data.getBytes(index, out, at, length);
        out.writerIndex(at + length);
    }

    private static void checkProtocol(Ipv4Header ip, int protocol) {
        if (ip.protocol() != protocol) {
            throw new IllegalArgumentException("header " + ip + " does not announce protocol " + protocol);
        }
    }

    /**
     * Checks the data, allocates a packet for an upper-layer header of {@code transportHeaderLength} bytes followed
     * by the data, with {@link #LINK_HEADROOM} free in front, and writes its IPv4 header. The header's fields come
     * as primitives, so that a builder working from a parsed request needs no record.
     */
    private static ByteBuf ipv4(ByteBufAllocator alloc, int source, int destination, int protocol, int ttl,
                                int transportHeaderLength, ByteBuf data, int index, int length) {
        Objects.checkFromIndexSize(index, length, data.capacity());
        int payloadLength = transportHeaderLength + length;
        if (payloadLength > MAX_IPV4_PAYLOAD) {
            throw new IllegalArgumentException("IPv4 payload of " + payloadLength + " bytes exceeds "
                    + MAX_IPV4_PAYLOAD);
        }
        ByteBuf packet = alloc.ioBuffer(LINK_HEADROOM + Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
        packet.setIndex(LINK_HEADROOM, LINK_HEADROOM);
        Ipv4Header.write(packet, source, destination, protocol, ttl, payloadLength);
        return packet;
    }
}
