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
 */
public final class Icmpv4Packet extends HeaderedPacketView {
    /** Type, code, checksum and the four type-specific bytes. */
    public static final int HEADER_LENGTH = 8;

    /** Echo Reply. */
    public static final int TYPE_ECHO_REPLY = 0;
    /** Destination Unreachable. */
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    /** Echo (request). */
    public static final int TYPE_ECHO_REQUEST = 8;
    /** Time Exceeded. */
    public static final int TYPE_TIME_EXCEEDED = 11;

    private static final int TYPE_OFFSET = 0;
    private static final int CODE_OFFSET = 1;
    static final int CHECKSUM_OFFSET = 2;
    private static final int IDENTIFIER_OFFSET = 4;
    private static final int SEQUENCE_NUMBER_OFFSET = 6;

    /** A view that wraps nothing yet: point it at message after message with {@link #wrap(ByteBuf, int, int)}. */
    public Icmpv4Packet() {
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

    /** {@return {@value #HEADER_LENGTH}: the header has a fixed length} */
    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    DecodeError validate() {
        if (length < HEADER_LENGTH) {
            return DecodeError.ICMPV4_TRUNCATED;
        }
        return null;
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

    /** {@return the type, e.g. {@link #TYPE_ECHO_REQUEST}} */
    public int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    /** {@return the code, which refines the type} */
    public int code() {
        return buf.getUnsignedByte(offset + CODE_OFFSET);
    }

    /** {@return the checksum field; see {@link #isChecksumValid()}} */
    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** {@return the echo identifier; meaningful for echo requests and replies only} */
    public int identifier() {
        return buf.getUnsignedShort(offset + IDENTIFIER_OFFSET);
    }

    /** {@return the echo sequence number; meaningful for echo requests and replies only} */
    public int sequenceNumber() {
        return buf.getUnsignedShort(offset + SEQUENCE_NUMBER_OFFSET);
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
