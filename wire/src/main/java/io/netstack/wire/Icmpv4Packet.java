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
public final class Icmpv4Packet extends IcmpPacketView {
    /** Type, code, checksum and the four type-specific bytes. */
    public static final int HEADER_LENGTH = ICMP_HEADER_LENGTH;

    /** Echo Reply. */
    public static final int TYPE_ECHO_REPLY = 0;
    /** Destination Unreachable. */
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    /** Echo (request). */
    public static final int TYPE_ECHO_REQUEST = 8;
    /** Time Exceeded. */
    public static final int TYPE_TIME_EXCEEDED = 11;

    /** A view that wraps nothing yet: point it at message after message with {@link #wrap(ByteBuf, int, int)}. */
    public Icmpv4Packet() {
        super(DecodeError.ICMPV4_TRUNCATED);
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code message}; the checksum is not verified.
     *
     * @param message the buffer whose readable bytes are the message
     * @return the view
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

    /** {@return whether this is an echo request} */
    public boolean isEchoRequest() {
        return type() == TYPE_ECHO_REQUEST && code() == 0;
    }

    /** {@return whether this is an echo reply} */
    public boolean isEchoReply() {
        return type() == TYPE_ECHO_REPLY && code() == 0;
    }
}
