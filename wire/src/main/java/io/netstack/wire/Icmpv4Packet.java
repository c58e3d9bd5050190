package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of an ICMP message for IPv4 (RFC 792).
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * |     Type      |     Code      |          Checksum             |
 * |          Identifier           |        Sequence Number        |  (echo; other types use these 4 bytes otherwise)
 * |     Data ...
 * +---------------+---------------+-------------------------------+
 * </pre>
 *
 * <p>Validation checks the length; the checksum, which covers the whole message, is verified apart by
 * {@link #isChecksumValid()}. Wrap the view over an IPv4 packet's payload, e.g.
 * {@code icmp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength())}.
 *
 * <p>An error message ({@link #isError()}) carries the "Internet Header + 64 bits of Original Data Datagram" of
 * RFC 792 as its data: {@link #originalDatagramOffset()} and {@link #originalDatagramLength()} locate the quoted
 * bytes, which are usually cut short of the total length their IPv4 header states. {@link Icmpv4Errors} builds
 * such messages.
 */
public final class Icmpv4Packet extends IcmpPacketView {
    /** Type, code, checksum and the four type-specific bytes. */
    public static final int HEADER_LENGTH = ICMP_HEADER_LENGTH;

    /** Echo Reply. */
    public static final int TYPE_ECHO_REPLY = 0;
    /** Destination Unreachable. */
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    /** Source Quench, deprecated by RFC 6633 but still an error message. */
    public static final int TYPE_SOURCE_QUENCH = 4;
    /** Redirect. */
    public static final int TYPE_REDIRECT = 5;
    /** Echo (request). */
    public static final int TYPE_ECHO_REQUEST = 8;
    /** Time Exceeded. */
    public static final int TYPE_TIME_EXCEEDED = 11;
    /** Parameter Problem. */
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    /** Timestamp (request). */
    public static final int TYPE_TIMESTAMP = 13;
    /** Timestamp Reply. */
    public static final int TYPE_TIMESTAMP_REPLY = 14;
    /** Information Request, obsolete. */
    public static final int TYPE_INFORMATION_REQUEST = 15;
    /** Information Reply, obsolete. */
    public static final int TYPE_INFORMATION_REPLY = 16;
    /** Address Mask Request (RFC 950). */
    public static final int TYPE_ADDRESS_MASK_REQUEST = 17;
    /** Address Mask Reply (RFC 950). */
    public static final int TYPE_ADDRESS_MASK_REPLY = 18;

    /** Destination Unreachable: net unreachable. */
    public static final int CODE_NET_UNREACHABLE = 0;
    /** Destination Unreachable: host unreachable. */
    public static final int CODE_HOST_UNREACHABLE = 1;
    /** Destination Unreachable: protocol unreachable, sent by the destination host for a protocol it lacks. */
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    /** Destination Unreachable: port unreachable, sent by the destination host for a port nothing listens on. */
    public static final int CODE_PORT_UNREACHABLE = 3;
    /** Destination Unreachable: fragmentation needed and DF set; carries the next-hop MTU (RFC 1191). */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    /** Destination Unreachable: source route failed. */
    public static final int CODE_SOURCE_ROUTE_FAILED = 5;
    /** Destination Unreachable: communication administratively prohibited (RFC 1812). */
    public static final int CODE_COMMUNICATION_ADMINISTRATIVELY_PROHIBITED = 13;
    /** Time Exceeded: time to live exceeded in transit. */
    public static final int CODE_TTL_EXCEEDED_IN_TRANSIT = 0;
    /** Time Exceeded: fragment reassembly time exceeded. */
    public static final int CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED = 1;
    /** Parameter Problem: the pointer indicates the error. */
    public static final int CODE_POINTER_INDICATES_ERROR = 0;

    private static final int POINTER_OFFSET = 4;
    private static final int GATEWAY_OFFSET = 4;
    private static final int NEXT_HOP_MTU_OFFSET = 6;
    /**
     * The query and reply types, as a bit per type: every other type counts as an error message, as Linux counts
     * it, so that a type unknown here never draws an error about an error.
     */
    private static final int QUERY_OR_REPLY_TYPES = 1 << TYPE_ECHO_REPLY | 1 << TYPE_ECHO_REQUEST
            | 1 << TYPE_TIMESTAMP | 1 << TYPE_TIMESTAMP_REPLY | 1 << TYPE_INFORMATION_REQUEST
            | 1 << TYPE_INFORMATION_REPLY | 1 << TYPE_ADDRESS_MASK_REQUEST | 1 << TYPE_ADDRESS_MASK_REPLY;

    /** A view that wraps nothing yet: point it at message after message with {@link #wrap(ByteBuf, int, int)}. */
    public Icmpv4Packet() {
        super(DecodeError.ICMPV4_TRUNCATED);
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code message}; the checksum is not verified.
     *
     * @param message the buffer whose readable bytes are the message
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the message is malformed
     */
    public static Icmpv4Packet parse(ByteBuf message) {
        return parseOrThrow(new Icmpv4Packet(), message);
    }

    /**
     * Whether the checksum verifies over the whole message, data included. A failure is reported as
     * {@link DecodeError#ICMPV4_BAD_CHECKSUM}.
     *
     * @return {@code true} if the message sums to all ones
     */
    public boolean isChecksumValid() {
        return InternetChecksum.verify(buf, offset, length, 0);
    }

    /** {@return the Pointer of a Parameter Problem: the octet of the original datagram's header in error} */
    public int pointer() {
        return buf.getUnsignedByte(offset + POINTER_OFFSET);
    }

    /** {@return the Gateway Internet Address of a Redirect, as an {@code int}, see {@link Ipv4Address}} */
    public int gatewayInternetAddress() {
        return Ipv4Address.read(buf, offset + GATEWAY_OFFSET);
    }

    /** {@return the Next-Hop MTU of a Destination Unreachable, fragmentation needed (RFC 1191); 0 from old routers} */
    public int nextHopMtu() {
        return buf.getUnsignedShort(offset + NEXT_HOP_MTU_OFFSET);
    }

    /**
     * Where the quoted "Internet Header + 64 bits of Original Data Datagram" of an error message starts: right
     * after the 8-byte header.
     *
     * @return the absolute index of the original datagram's IPv4 header
     */
    public int originalDatagramOffset() {
        return payloadOffset();
    }

    /**
     * How much of the original datagram an error message quotes: at least its header and 8 data octets (RFC 792),
     * up to the whole message's 576-byte limit (RFC 1812 section 4.3.2.3), less when the datagram was shorter.
     *
     * @return the length in bytes of the quoted part
     */
    public int originalDatagramLength() {
        return payloadLength();
    }

    /** {@return whether this is an error message, about the original datagram it quotes; see {@link #isErrorType}} */
    public boolean isError() {
        return isErrorType(type());
    }

    /**
     * Whether a type is that of an error message: any type but the queries and replies (echo, timestamp,
     * information, address mask). Types unknown here count as errors, as in Linux, since RFC 1122 section 3.2.2
     * forbids an error about an error and an unknown type could be one.
     *
     * @param type the type, 0 to 255
     * @return {@code true} unless the type is a known query or reply
     */
    public static boolean isErrorType(int type) {
        return type >= Integer.SIZE || (QUERY_OR_REPLY_TYPES & 1 << type) == 0;
    }

    /**
     * Appends a message: the 8-byte header with {@code restOfHeader} as its last four bytes, then {@code length}
     * bytes of {@code data} from absolute index {@code index}, the checksum computed over all of it.
     */
    static void write(ByteBuf out, int type, int code, int restOfHeader, ByteBuf data, int index, int length) {
        int start = out.writerIndex();
        out.writeByte(type);
        out.writeByte(code);
        out.writeShort(0);
        out.writeInt(restOfHeader);
        Frames.writeData(out, data, index, length);
        out.setShort(start + CHECKSUM_OFFSET, InternetChecksum.checksum(out, start, HEADER_LENGTH + length));
    }

    /** {@return whether this is an echo request} */
    public boolean isEchoRequest() {
        return type() == TYPE_ECHO_REQUEST && code() == 0;
    }

    /** {@return whether this is an echo reply} */
    public boolean isEchoReply() {
        return type() == TYPE_ECHO_REPLY && code() == 0;
    }
}
