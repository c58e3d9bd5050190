package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * Builds IPv6 packets, ICMPv6 (RFC 4443), Neighbor Discovery (RFC 4861) and UDP, into buffers from
 * {@link ByteBufAllocator#ioBuffer(int)}, sized exactly, checksums included.
 *
 * <p>Each packet starts {@link Frames#LINK_HEADROOM} bytes into its buffer, where the reader index is, so a host on
 * a TAP device prepends the Ethernet header in place and a host on a TUN device sends the buffer as it is. Every
 * method validates its arguments before allocating, so a packet is either returned (and owned by the caller) or not
 * allocated at all.
 */
public final class Ipv6Packets {
    /**
     * How much of the invoking packet an ICMPv6 error quotes at most: what fits in the minimum MTU after the
     * error's own headers (RFC 4443 section 2.4 (c)).
     */
    public static final int MAX_ERROR_QUOTE = Ipv6Packet.MIN_MTU - Ipv6Packet.HEADER_LENGTH
            - Icmpv6Packet.HEADER_LENGTH;

    private static final int VERSION_WORD = Ipv6Packet.VERSION << 28;
    private static final int SOURCE_OFFSET = 8;

    private static final int ADVERTISEMENT_FLAGS = NeighborDiscoveryMessage.FLAG_ROUTER
            | NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE;

    private Ipv6Packets() {
    }

    /**
     * The echo reply to {@code request}, with its identifier, sequence number and data (RFC 4443 section 4.2).
     *
     * @param alloc   the allocator of the packet
     * @param ip      the reply's IPv6 header, usually {@link Ipv6Header#replyTo}, with next header
     *                {@link Ipv6Packet#PROTOCOL_ICMPV6}
     * @param request the echo request
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the header names another protocol or the data do not fit
     */
    public static ByteBuf echoReply(ByteBufAllocator alloc, Ipv6Header ip, Icmpv6Packet request) {
        int identifierAndSequence = request.identifier() << Short.SIZE | request.sequenceNumber();
        return icmpv6(alloc, ip, Icmpv6Packet.TYPE_ECHO_REPLY, 0, identifierAndSequence,
                request.buffer(), request.payloadOffset(), request.payloadLength());
    }

    /**
     * The echo reply to {@code echo}, sent from {@code request}'s destination back to its source: {@link #echoReply}
     * for the receive path, which copies the addresses from the request's buffer rather than making records of
     * them, and so allocates nothing but the packet.
     *
     * @param alloc   the allocator of the packet
     * @param request the IPv6 packet of the request, to a unicast address of the host's
     * @param echo    the echo request in it
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the data do not fit
     */
    public static ByteBuf echoReply(ByteBufAllocator alloc, Ipv6Packet request, Icmpv6Packet echo) {
        int length = Icmpv6Packet.HEADER_LENGTH + echo.payloadLength();
        checkPayloadLength(length);
        ByteBuf buf = request.buffer();
        ByteBuf packet = allocate(alloc, Ipv6Packet.PROTOCOL_ICMPV6, Ipv6Packet.DEFAULT_HOP_LIMIT, length);
        copyAddress(packet, buf, request.destinationOffset());
        copyAddress(packet, buf, request.sourceOffset());
        int start = packet.writerIndex();
        writeIcmpv6Header(packet, Icmpv6Packet.TYPE_ECHO_REPLY, 0, echo.identifier() << Short.SIZE
                | echo.sequenceNumber());
        Frames.writeData(packet, buf, echo.payloadOffset(), echo.payloadLength());
        setIcmpv6Checksum(packet, start);
        return packet;
    }

    /**
     * The solicited Neighbor Advertisement answering {@code solicitation} (RFC 4861 section 7.2.4): from
     * {@code target} to the solicitation's source, with the S and O flags and a Target Link-Layer Address option.
     * It copies the destination from the solicitation's buffer, and so allocates nothing but the packet.
     *
     * @param alloc        the allocator of the packet
     * @param solicitation the IPv6 packet of the solicitation, from a unicast address
     * @param target       the solicited address, one of the host's
     * @param targetMac    its MAC address
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the solicitation came from a multicast address, the target is
     *                                  multicast, or {@code targetMac} is not a MAC address
     */
    public static ByteBuf solicitedNeighborAdvertisement(ByteBufAllocator alloc, Ipv6Packet solicitation,
                                                         Ipv6Address target, long targetMac) {
        if (Ipv6Address.isMulticast(solicitation.buffer(), solicitation.sourceOffset())) {
            throw new IllegalArgumentException("a solicited advertisement to a multicast address is invalid");
        }
        return neighborDiscovery(alloc, target, solicitation.buffer(), solicitation.sourceOffset(),
                Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT,
                NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE, target,
                NeighborDiscoveryMessage.OPTION_TARGET_LINK_LAYER_ADDRESS, targetMac);
    }

    /**
     * A UDP datagram carrying {@code length} bytes of {@code data} from absolute index {@code index}, its checksum
     * over the pseudo-header computed as IPv6 requires.
     *
     * @param alloc  the allocator of the packet
     * @param ip     the IPv6 header, with next header {@link Ipv4Packet#PROTOCOL_UDP}
     * @param udp    the UDP ports
     * @param data   the buffer holding the data
     * @param index  the absolute index of the data in {@code data}
     * @param length the data's length in bytes
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException  if the header names another protocol or the data do not fit
     * @throws IndexOutOfBoundsException if the data lie outside {@code data}
     */
    public static ByteBuf udp(ByteBufAllocator alloc, Ipv6Header ip, UdpHeader udp, ByteBuf data, int index,
                              int length) {
        checkPayload(ip, Ipv4Packet.PROTOCOL_UDP, UdpDatagram.HEADER_LENGTH, data, index, length);
        ByteBuf packet = allocate(alloc, ip, UdpDatagram.HEADER_LENGTH + length);
        udp.write(packet, ip, data, index, length);
        return packet;
    }

    /**
     * {@link #udp}, built from the fields rather than header records, for a sender that builds one packet per
     * datagram and should allocate the packet only: {@link Frames#udpDatagram} for IPv6.
     *
     * @param alloc           the allocator of the packet
     * @param sourceHigh      the source address's first eight octets, see {@link Ipv6Address#high()}
     * @param sourceLow       its last eight octets
     * @param sourcePort      the source port, 0 to 65535
     * @param destinationHigh the destination address's first eight octets
     * @param destinationLow  its last eight octets
     * @param destinationPort the destination port, 0 to 65535
     * @param data            the buffer holding the data
     * @param index           the absolute index of the data in {@code data}
     * @param length          the data's length in bytes
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException  if a port is out of range or the data do not fit
     * @throws IndexOutOfBoundsException if the data lie outside {@code data}
     */
    public static ByteBuf udpDatagram(ByteBufAllocator alloc, long sourceHigh, long sourceLow, int sourcePort,
                                      long destinationHigh, long destinationLow, int destinationPort,
                                      ByteBuf data, int index, int length) {
        UdpHeader.checkPorts(sourcePort, destinationPort);
        checkData(UdpDatagram.HEADER_LENGTH, data, index, length);
        int datagramLength = UdpDatagram.HEADER_LENGTH + length;
        ByteBuf packet = allocate(alloc, Ipv4Packet.PROTOCOL_UDP, Ipv6Packet.DEFAULT_HOP_LIMIT, datagramLength);
        packet.writeLong(sourceHigh);
        packet.writeLong(sourceLow);
        packet.writeLong(destinationHigh);
        packet.writeLong(destinationLow);
        UdpHeader.write(packet, sourcePort, destinationPort, InternetChecksum.ipv6PseudoHeaderSum(packet,
                packet.readerIndex() + SOURCE_OFFSET, Ipv4Packet.PROTOCOL_UDP, datagramLength), data, index, length);
        return packet;
    }

    /**
     * A Neighbor Solicitation for {@code target} (RFC 4861 section 4.3), with hop limit 255.
     *
     * @param alloc       the allocator of the packet
     * @param source      the soliciting host's address
     * @param destination {@code target}'s solicited-node multicast address to resolve it, or {@code target} itself
     *                    to check that a cached address is still reachable
     * @param target      the address whose link-layer address is asked for
     * @param sourceMac   the soliciting host's MAC address, sent as a Source Link-Layer Address option, or
     *                    {@link NeighborDiscoveryMessage#NONE} on a link without addresses
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the target is multicast, {@code sourceMac} is neither a MAC address nor
     *                                  {@code NONE}, or the source is unspecified and a MAC is given (RFC 4861
     *                                  section 4.3 forbids it; see {@link #duplicateAddressDetection})
     */
    public static ByteBuf neighborSolicitation(ByteBufAllocator alloc, Ipv6Address source, Ipv6Address destination,
                                               Ipv6Address target, long sourceMac) {
        if (source.isUnspecified() && sourceMac != NeighborDiscoveryMessage.NONE) {
            throw new IllegalArgumentException("a solicitation from :: carries no source link-layer address");
        }
        return neighborDiscovery(alloc, source, destination, Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, 0, target,
                NeighborDiscoveryMessage.OPTION_SOURCE_LINK_LAYER_ADDRESS, sourceMac);
    }

    /**
     * The Neighbor Solicitation of duplicate address detection (RFC 4862 section 5.4.2): from the unspecified
     * address to the tentative address's solicited-node multicast address, without link-layer address.
     *
     * @param alloc     the allocator of the packet
     * @param tentative the address the host is about to take
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the address is multicast
     */
    public static ByteBuf duplicateAddressDetection(ByteBufAllocator alloc, Ipv6Address tentative) {
        return neighborSolicitation(alloc, Ipv6Address.UNSPECIFIED, tentative.solicitedNodeMulticast(), tentative,
                NeighborDiscoveryMessage.NONE);
    }

    /**
     * A Neighbor Advertisement for {@code target} (RFC 4861 section 4.4), with hop limit 255. A solicited one goes
     * to the solicitation's source with {@link NeighborDiscoveryMessage#FLAG_SOLICITED}; an unsolicited one, and the
     * answer to duplicate address detection from {@code ::}, to {@link Ipv6Address#ALL_NODES} without it.
     *
     * @param alloc       the allocator of the packet
     * @param source      the advertising host's address
     * @param destination where the advertisement goes
     * @param flags       {@link NeighborDiscoveryMessage#FLAG_ROUTER}, {@code FLAG_SOLICITED} and
     *                    {@code FLAG_OVERRIDE}, or-ed
     * @param target      the address advertised
     * @param targetMac   its MAC address, sent as a Target Link-Layer Address option, or
     *                    {@link NeighborDiscoveryMessage#NONE} on a link without addresses
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the flags have other bits, the S flag goes to a multicast address, the
     *                                  target is multicast, or {@code targetMac} is neither a MAC address nor
     *                                  {@code NONE}
     */
    public static ByteBuf neighborAdvertisement(ByteBufAllocator alloc, Ipv6Address source, Ipv6Address destination,
                                                int flags, Ipv6Address target, long targetMac) {
        if ((flags & ~ADVERTISEMENT_FLAGS) != 0) {
            throw new IllegalArgumentException("not advertisement flags: 0x" + Integer.toHexString(flags));
        }
        if ((flags & NeighborDiscoveryMessage.FLAG_SOLICITED) != 0 && destination.isMulticast()) {
            throw new IllegalArgumentException("a solicited advertisement to a multicast address is invalid");
        }
        return neighborDiscovery(alloc, source, destination, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, flags, target,
                NeighborDiscoveryMessage.OPTION_TARGET_LINK_LAYER_ADDRESS, targetMac);
    }

    /**
     * A Destination Unreachable error (RFC 4443 section 3.1) to the source of {@code invoking}, quoting as much of
     * it as fits in the minimum MTU. Whether an error may be sent at all (not for an error, nor to a multicast
     * destination, rate-limited: section 2.4) is the caller's to decide.
     *
     * @param alloc    the allocator of the packet
     * @param source   the host's address the error comes from
     * @param code     e.g. {@link Icmpv6Packet#CODE_PORT_UNREACHABLE}
     * @param invoking the packet that could not be delivered
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the code does not fit in a byte
     */
    public static ByteBuf destinationUnreachable(ByteBufAllocator alloc, Ipv6Address source, int code,
                                                 Ipv6Packet invoking) {
        return error(alloc, source, Icmpv6Packet.TYPE_DESTINATION_UNREACHABLE, code, 0, invoking);
    }

    /**
     * A Parameter Problem error (RFC 4443 section 3.4) to the source of {@code invoking}, quoting as much of it as
     * fits in the minimum MTU; the code and pointer are usually those of {@link Ipv6ExtensionHeaders}.
     *
     * @param alloc    the allocator of the packet
     * @param source   the host's address the error comes from
     * @param code     e.g. {@link Icmpv6Packet#CODE_UNRECOGNIZED_NEXT_HEADER}
     * @param pointer  the offset of the offending byte from the start of the invoking packet
     * @param invoking the packet that could not be processed
     * @return the packet, owned by the caller
     * @throws IllegalArgumentException if the code does not fit in a byte or the pointer is negative
     */
    public static ByteBuf parameterProblem(ByteBufAllocator alloc, Ipv6Address source, int code, int pointer,
                                           Ipv6Packet invoking) {
        if (pointer < 0) {
            throw new IllegalArgumentException("pointer must not be negative: " + pointer);
        }
        return error(alloc, source, Icmpv6Packet.TYPE_PARAMETER_PROBLEM, code, pointer, invoking);
    }

    private static ByteBuf error(ByteBufAllocator alloc, Ipv6Address source, int type, int code, int body,
                                 Ipv6Packet invoking) {
        FieldRange.unsigned("code", code, Byte.SIZE);
        ByteBuf buf = invoking.buffer();
        Ipv6Header ip = Ipv6Header.of(source, Ipv6Address.read(buf, invoking.sourceOffset()),
                Ipv6Packet.PROTOCOL_ICMPV6);
        return icmpv6(alloc, ip, type, code, body, buf, invoking.offset(), Math.min(invoking.length(),
                MAX_ERROR_QUOTE));
    }

    private static ByteBuf neighborDiscovery(ByteBufAllocator alloc, Ipv6Address source, Ipv6Address destination,
                                             int type, int flags, Ipv6Address target, int optionType, long mac) {
        ByteBuf packet = allocateNeighborDiscovery(alloc, target, mac);
        source.write(packet);
        destination.write(packet);
        return writeNeighborDiscovery(packet, type, flags, target, optionType, mac);
    }

    /** The same with the destination copied from {@code destination} at {@code destinationIndex}. */
    private static ByteBuf neighborDiscovery(ByteBufAllocator alloc, Ipv6Address source, ByteBuf destination,
                                             int destinationIndex, int type, int flags, Ipv6Address target,
                                             int optionType, long mac) {
        ByteBuf packet = allocateNeighborDiscovery(alloc, target, mac);
        source.write(packet);
        copyAddress(packet, destination, destinationIndex);
        return writeNeighborDiscovery(packet, type, flags, target, optionType, mac);
    }

    /**
     * Appends the address at {@code index} of {@code from} as two longs: a {@code writeBytes} between two direct
     * buffers may slice a {@code ByteBuffer} per call, which the receive path cannot afford.
     */
    private static void copyAddress(ByteBuf packet, ByteBuf from, int index) {
        packet.writeLong(from.getLong(index));
        packet.writeLong(from.getLong(index + Long.BYTES));
    }

    /** Checks the target and MAC, and allocates the packet up to its addresses, which the caller writes. */
    private static ByteBuf allocateNeighborDiscovery(ByteBufAllocator alloc, Ipv6Address target, long mac) {
        if (target.isMulticast()) {
            throw new IllegalArgumentException("the target of a Neighbor Discovery message is unicast: " + target);
        }
        boolean withOption = mac != NeighborDiscoveryMessage.NONE;
        if (withOption) {
            FieldRange.mac("link-layer address", mac);
        }
        int length = NeighborDiscoveryMessage.HEADER_LENGTH
                + (withOption ? NeighborDiscoveryMessage.LINK_LAYER_ADDRESS_OPTION_LENGTH : 0);
        return allocate(alloc, Ipv6Packet.PROTOCOL_ICMPV6, NeighborDiscoveryMessage.HOP_LIMIT, length);
    }

    /** Writes the message after the IPv6 header and fills in its checksum. */
    private static ByteBuf writeNeighborDiscovery(ByteBuf packet, int type, int flags, Ipv6Address target,
                                                  int optionType, long mac) {
        int start = packet.writerIndex();
        writeIcmpv6Header(packet, type, 0, flags);
        target.write(packet);
        if (mac != NeighborDiscoveryMessage.NONE) {
            packet.writeByte(optionType);
            packet.writeByte(NeighborDiscoveryMessage.LINK_LAYER_ADDRESS_OPTION_LENGTH
                    / NeighborDiscoveryMessage.OPTION_UNIT);
            MacAddress.write(packet, mac);
        }
        setIcmpv6Checksum(packet, start);
        return packet;
    }

    /** An ICMPv6 message of the given header fields whose data are {@code length} bytes of {@code data}. */
    private static ByteBuf icmpv6(ByteBufAllocator alloc, Ipv6Header ip, int type, int code, int body,
                                  ByteBuf data, int index, int length) {
        checkPayload(ip, Ipv6Packet.PROTOCOL_ICMPV6, Icmpv6Packet.HEADER_LENGTH, data, index, length);
        ByteBuf packet = allocate(alloc, ip, Icmpv6Packet.HEADER_LENGTH + length);
        int start = packet.writerIndex();
        writeIcmpv6Header(packet, type, code, body);
        Frames.writeData(packet, data, index, length);
        setIcmpv6Checksum(packet, start);
        return packet;
    }

    private static void writeIcmpv6Header(ByteBuf packet, int type, int code, int body) {
        packet.writeByte(type);
        packet.writeByte(code);
        packet.writeShort(0);
        packet.writeInt(body);
    }

    /**
     * Fills in the checksum of the ICMPv6 message from {@code start} to the writer index, right after the IPv6
     * header at the reader index, whose addresses the pseudo-header takes in place.
     */
    private static void setIcmpv6Checksum(ByteBuf packet, int start) {
        int length = packet.writerIndex() - start;
        long pseudoHeader = InternetChecksum.ipv6PseudoHeaderSum(packet, packet.readerIndex() + SOURCE_OFFSET,
                Ipv6Packet.PROTOCOL_ICMPV6, length);
        packet.setShort(start + Icmpv6Packet.CHECKSUM_OFFSET,
                InternetChecksum.finish(InternetChecksum.sum(packet, start, length, pseudoHeader)));
    }

    private static void checkPayload(Ipv6Header ip, int protocol, int upperHeaderLength, ByteBuf data, int index,
                                     int length) {
        if (ip.nextHeader() != protocol) {
            throw new IllegalArgumentException(ip + " does not announce protocol " + protocol);
        }
        checkData(upperHeaderLength, data, index, length);
    }

    private static void checkData(int upperHeaderLength, ByteBuf data, int index, int length) {
        Objects.checkFromIndexSize(index, length, data.capacity());
        checkPayloadLength(upperHeaderLength + length);
    }

    private static void checkPayloadLength(int payloadLength) {
        if (payloadLength > Ipv6Packet.MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("IPv6 payload of " + payloadLength + " bytes exceeds "
                    + Ipv6Packet.MAX_PAYLOAD_LENGTH);
        }
    }

    /**
     * Allocates a buffer for the packet, leaves {@link Frames#LINK_HEADROOM} free before it with the reader index
     * at its start, and writes the IPv6 header.
     */
    private static ByteBuf allocate(ByteBufAllocator alloc, Ipv6Header ip, int payloadLength) {
        ByteBuf packet = allocate(alloc, ip.nextHeader(), ip.hopLimit(), payloadLength);
        ip.source().write(packet);
        ip.destination().write(packet);
        return packet;
    }

    /** The same, for a caller that writes the two addresses after the header's first eight bytes itself. */
    private static ByteBuf allocate(ByteBufAllocator alloc, int nextHeader, int hopLimit, int payloadLength) {
        ByteBuf packet = alloc.ioBuffer(Frames.LINK_HEADROOM + Ipv6Packet.HEADER_LENGTH + payloadLength);
        packet.setIndex(Frames.LINK_HEADROOM, Frames.LINK_HEADROOM);
        packet.writeInt(VERSION_WORD);
        packet.writeShort(payloadLength);
        packet.writeByte(nextHeader);
        packet.writeByte(hopLimit);
        return packet;
    }
}
