package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of an ICMPv6 message (RFC 4443).
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * |     Type      |     Code      |          Checksum             |
 * |          Identifier           |        Sequence Number        |  (echo)
 * |                     Pointer or MTU                            |  (parameter problem, packet too big)
 * |     Data, or as much of the invoking packet as fits ...
 * +---------------+---------------+-------------------------------+
 * </pre>
 *
 * <p>Every message type has a 32-bit field after the checksum, which this view counts as part of its 8-byte header,
 * so the {@link #payloadOffset() payload} is an echo's data or an error's invoking packet. Validation checks the
 * length; the checksum, which covers the message and the IPv6 pseudo-header, is verified apart by
 * {@link #isChecksumValid(Ipv6Packet)}. Wrap the view over the upper-layer packet the extension headers lead to,
 * {@link Ipv6ExtensionHeaders#wrapUpperLayer(PacketView)}. Neighbor Discovery messages are read further by
 * {@link NeighborDiscoveryMessage}.
 */
public final class Icmpv6Packet extends IcmpPacketView {
    /** Type, code, checksum and the four type-specific bytes. */
    public static final int HEADER_LENGTH = ICMP_HEADER_LENGTH;

    /** Destination Unreachable, an error. */
    public static final int TYPE_DESTINATION_UNREACHABLE = 1;
    /** Packet Too Big, an error whose 32-bit field is the MTU of the next hop. */
    public static final int TYPE_PACKET_TOO_BIG = 2;
    /** Time Exceeded, an error. */
    public static final int TYPE_TIME_EXCEEDED = 3;
    /** Parameter Problem, an error whose 32-bit field points at the offending byte of the invoking packet. */
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    /** Echo Request. */
    public static final int TYPE_ECHO_REQUEST = 128;
    /** Echo Reply. */
    public static final int TYPE_ECHO_REPLY = 129;
    /** Multicast Listener Report of MLDv1 (RFC 2710 section 3). */
    public static final int TYPE_MULTICAST_LISTENER_REPORT = 131;
    /** Router Solicitation (RFC 4861). */
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    /** Router Advertisement (RFC 4861). */
    public static final int TYPE_ROUTER_ADVERTISEMENT = 134;
    /** Neighbor Solicitation (RFC 4861). */
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    /** Neighbor Advertisement (RFC 4861). */
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    /** Redirect (RFC 4861 section 4.5). */
    public static final int TYPE_REDIRECT = 137;
    /** Version 2 Multicast Listener Report (RFC 3810 section 5.2). */
    public static final int TYPE_MULTICAST_LISTENER_REPORT_V2 = 143;

    /** Destination Unreachable: no route to the destination. */
    public static final int CODE_NO_ROUTE = 0;
    /** Destination Unreachable: communication administratively prohibited. */
    public static final int CODE_ADMINISTRATIVELY_PROHIBITED = 1;
    /** Destination Unreachable: beyond the scope of the source address. */
    public static final int CODE_BEYOND_SCOPE = 2;
    /** Destination Unreachable: address unreachable, as for a neighbour that does not answer. */
    public static final int CODE_ADDRESS_UNREACHABLE = 3;
    /** Destination Unreachable: no listener on the transport port. */
    public static final int CODE_PORT_UNREACHABLE = 4;
    /** Time Exceeded: the hop limit reached 0 in transit. */
    public static final int CODE_HOP_LIMIT_EXCEEDED = 0;
    /** Time Exceeded: fragment reassembly time exceeded. */
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;
    /** Parameter Problem: erroneous header field encountered. */
    public static final int CODE_ERRONEOUS_HEADER_FIELD = 0;
    /** Parameter Problem: unrecognized Next Header type encountered. */
    public static final int CODE_UNRECOGNIZED_NEXT_HEADER = 1;
    /** Parameter Problem: unrecognized IPv6 option encountered. */
    public static final int CODE_UNRECOGNIZED_OPTION = 2;

    /** Types below this are errors, from it on informational messages (RFC 4443 section 2.1). */
    private static final int FIRST_INFORMATIONAL_TYPE = 128;

    private static final int POINTER_OR_MTU_OFFSET = 4;

    /** A view that wraps nothing yet: point it at message after message with {@link #wrap(ByteBuf, int, int)}. */
    public Icmpv6Packet() {
        super(DecodeError.ICMPV6_TRUNCATED);
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code message}; the checksum is not verified.
     *
     * @param message the buffer whose readable bytes are the message
     * @return the view
     * @throws MalformedPacketException if the message is malformed
     */
    public static Icmpv6Packet parse(ByteBuf message) {
        return parseOrThrow(new Icmpv6Packet(), message);
    }

    /**
     * Whether the checksum verifies over the whole message and the pseudo-header of {@code packet}, with this
     * message's length as the upper-layer length (RFC 8200 section 8.1: not the payload length, which includes
     * extension headers). A failure is reported as {@link DecodeError#ICMPV6_BAD_CHECKSUM}.
     *
     * @param packet the IPv6 packet this message was found in
     * @return {@code true} if the message and pseudo-header sum to all ones
     */
    public boolean isChecksumValid(Ipv6Packet packet) {
        return InternetChecksum.verify(buf, offset, length,
                packet.pseudoHeaderSum(Ipv6Packet.PROTOCOL_ICMPV6, length));
    }

    /** {@return whether this is an error message (type below 128), which no ICMPv6 error may answer} */
    public boolean isError() {
        return isErrorType(type());
    }

    /**
     * Whether a type is that of an error message: types 0 to 127 are errors, 128 to 255 informational (RFC 4443
     * section 2.1).
     *
     * @param type the type, 0 to 255
     * @return {@code true} for an error type
     */
    public static boolean isErrorType(int type) {
        return type < FIRST_INFORMATIONAL_TYPE;
    }

    /** {@return whether this is an echo request} */
    public boolean isEchoRequest() {
        return type() == TYPE_ECHO_REQUEST && code() == 0;
    }

    /** {@return whether this is an echo reply} */
    public boolean isEchoReply() {
        return type() == TYPE_ECHO_REPLY && code() == 0;
    }

    /**
     * The pointer of a Parameter Problem: where in the invoking packet the error was found.
     *
     * @return the offset from the start of the invoking packet's IPv6 header, an unsigned 32-bit value
     */
    public long pointer() {
        return buf.getUnsignedInt(offset + POINTER_OR_MTU_OFFSET);
    }

    /** {@return the MTU of a Packet Too Big, an unsigned 32-bit value} */
    public long mtu() {
        return buf.getUnsignedInt(offset + POINTER_OR_MTU_OFFSET);
    }

    /** {@return the absolute index of an error's invoking packet, as much of it as the error quotes} */
    public int invokingPacketOffset() {
        return payloadOffset();
    }

    /** {@return how many bytes of the invoking packet an error quotes} */
    public int invokingPacketLength() {
        return payloadLength();
    }
}
