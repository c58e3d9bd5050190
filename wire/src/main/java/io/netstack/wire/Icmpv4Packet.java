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
 * <p>Validation checks the length and the checksum, which covers the whole message. Wrap the view over an IPv4
 * packet's payload, e.g. {@code icmp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength())}.
 */
public final class Icmpv4Packet extends HeaderedPacketView {
    /** Type, code, checksum and the four type-specific bytes. */
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;

    private static final int TYPE_OFFSET = 0;
    private static final int CODE_OFFSET = 1;
    private static final int CHECKSUM_OFFSET = 2;
    private static final int IDENTIFIER_OFFSET = 4;
    private static final int SEQUENCE_NUMBER_OFFSET = 6;

    /** Wraps and validates a new view over the readable bytes of {@code message}. */
    public static Icmpv4Packet parse(ByteBuf message) {
        return parseOrThrow(new Icmpv4Packet(), message);
    }

    /** The fixed {@value #HEADER_LENGTH}-byte header. */
    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    DecodeError validate() {
        if (length < HEADER_LENGTH) {
            return DecodeError.ICMPV4_TRUNCATED;
        }
        if (!InternetChecksum.verify(buf, offset, length, 0)) {
            return DecodeError.ICMPV4_BAD_CHECKSUM;
        }
        return null;
    }

    public int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    public int code() {
        return buf.getUnsignedByte(offset + CODE_OFFSET);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** The echo identifier; meaningful for echo requests and replies only. */
    public int identifier() {
        return buf.getUnsignedShort(offset + IDENTIFIER_OFFSET);
    }

    /** The echo sequence number; meaningful for echo requests and replies only. */
    public int sequenceNumber() {
        return buf.getUnsignedShort(offset + SEQUENCE_NUMBER_OFFSET);
    }

    public boolean isEchoRequest() {
        return type() == TYPE_ECHO_REQUEST && code() == 0;
    }

    public boolean isEchoReply() {
        return type() == TYPE_ECHO_REPLY && code() == 0;
    }

    /**
     * Appends an echo request or reply with its checksum, copying {@code length} bytes of {@code data} from absolute
     * index {@code index} as the echo data (RFC 792: a reply returns the request's data unchanged).
     */
    public static void writeEcho(ByteBuf out, int type, int identifier, int sequenceNumber,
                                 ByteBuf data, int index, int length) {
        int start = out.writerIndex();
        out.writeByte(type);
        out.writeByte(0);
        out.writeShort(0);
        out.writeShort(identifier);
        out.writeShort(sequenceNumber);
        out.writeBytes(data, index, length);
        out.setShort(start + CHECKSUM_OFFSET, InternetChecksum.checksum(out, start, HEADER_LENGTH + length));
    }
}
