package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * Builds ICMP error messages in IPv4 packets, quoting the datagram that caused them, into buffers from
 * {@link ByteBufAllocator#ioBuffer(int)}.
 *
 * <p>An error quotes the original datagram from its IPv4 header on, as much of it as fits in a message of
 * {@value #MAX_LENGTH} bytes (RFC 1812 section 4.3.2.3, which Linux follows too), and never less than RFC 792's
 * header and 64 bits of data unless the datagram itself is shorter. The bytes are quoted as received: RFC 1122
 * section 3.2.2 forbids changing them.
 *
 * <p>Each packet is written after {@link Frames#LINK_HEADROOM} bytes of headroom, its reader index at the IPv4
 * header, so that a host on a TAP device prepends its Ethernet header in place and a host on a TUN device sends the
 * buffer as it is. The packet's IPv4 header is {@link Ipv4Header}'s. Whether an error may be sent at all (never
 * about an error, a broadcast or a non-initial fragment, and at a limited rate) is the caller's decision.
 */
public final class Icmpv4Errors {
    /** The largest error message, IPv4 header included: the datagram size every host accepts (RFC 791). */
    public static final int MAX_LENGTH = 576;
    /** The most of the original datagram an error quotes: {@value #MAX_LENGTH} less the two headers before it. */
    public static final int MAX_ORIGINAL_DATAGRAM_LENGTH =
            MAX_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH - Icmpv4Packet.HEADER_LENGTH;

    private Icmpv4Errors() {
    }

    /**
     * The port unreachable a host sends back for a UDP datagram to a port nothing listens on (RFC 1122 section
     * 4.1.3.1), from the address it was sent to.
     *
     * @param alloc    the allocator of the packet
     * @param invoking the datagram's well-formed IPv4 packet
     * @return the packet, owned by the caller
     */
    public static ByteBuf portUnreachable(ByteBufAllocator alloc, Ipv4Packet invoking) {
        return error(alloc, invoking.destination(),
                Icmpv4ErrorHeader.destinationUnreachable(Icmpv4Packet.CODE_PORT_UNREACHABLE), invoking);
    }

    /**
     * The protocol unreachable a host sends back for a packet of a protocol it does not implement (RFC 1122
     * section 3.2.2.1), from the address it was sent to.
     *
     * @param alloc    the allocator of the packet
     * @param invoking the well-formed IPv4 packet
     * @return the packet, owned by the caller
     */
    public static ByteBuf protocolUnreachable(ByteBufAllocator alloc, Ipv4Packet invoking) {
        return error(alloc, invoking.destination(),
                Icmpv4ErrorHeader.destinationUnreachable(Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE), invoking);
    }

    /**
     * An error about {@code invoking}, sent from {@code source} back to the invoking packet's source, quoting
     * {@link #originalDatagramLength} bytes of it.
     *
     * @param alloc    the allocator of the packet
     * @param source   the error's source address: the invoking packet's destination when the host it was for
     *                 reports, the address of the reporting interface when a router does
     * @param error    the ICMP header
     * @param invoking the well-formed IPv4 packet the error is about
     * @return the packet, owned by the caller, readable from its IPv4 header on after {@link Frames#LINK_HEADROOM}
     *         bytes of headroom
     */
    public static ByteBuf error(ByteBufAllocator alloc, int source, Icmpv4ErrorHeader error, Ipv4Packet invoking) {
        Objects.requireNonNull(error, "error");
        int quoted = originalDatagramLength(invoking);
        int payloadLength = Icmpv4Packet.HEADER_LENGTH + quoted;
        ByteBuf packet = alloc.ioBuffer(Frames.LINK_HEADROOM + Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
        packet.setIndex(Frames.LINK_HEADROOM, Frames.LINK_HEADROOM);
        Ipv4Header.of(source, invoking.source(), Ipv4Packet.PROTOCOL_ICMP).write(packet, payloadLength);
        error.write(packet, invoking.buffer(), invoking.offset(), quoted);
        return packet;
    }

    /**
     * How much of {@code invoking} an error about it quotes: all of it up to
     * {@value #MAX_ORIGINAL_DATAGRAM_LENGTH} bytes.
     *
     * @param invoking a well-formed IPv4 packet
     * @return the length in bytes of the quoted part, from its header on
     */
    public static int originalDatagramLength(Ipv4Packet invoking) {
        return Math.min(invoking.length(), MAX_ORIGINAL_DATAGRAM_LENGTH);
    }
}
