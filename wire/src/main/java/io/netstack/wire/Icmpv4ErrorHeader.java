package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The header of an ICMP error message (RFC 792) that a sender chooses; {@link #write} appends the message with the
 * part of the original datagram it quotes, checksum included. {@link Icmpv4Errors} builds whole packets from it.
 *
 * @param type         an error type ({@link Icmpv4Packet#isErrorType}), e.g.
 *                     {@link Icmpv4Packet#TYPE_DESTINATION_UNREACHABLE}
 * @param code         the code, 0 to 255, e.g. {@link Icmpv4Packet#CODE_PORT_UNREACHABLE}
 * @param restOfHeader the four bytes after the checksum: zero ("unused") for most errors, the pointer of a
 *                     Parameter Problem in the high byte, the next-hop MTU of a fragmentation needed in the low two
 */
public record Icmpv4ErrorHeader(int type, int code, int restOfHeader) {
    /** Destination Unreachable codes run from 0 to 15 (RFC 1812 section 5.2.7.1). */
    private static final int MAX_DESTINATION_UNREACHABLE_CODE = 15;

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if the type is not an error's or a field does not fit in a byte
     */
    public Icmpv4ErrorHeader {
        FieldRange.unsigned("type", type, Byte.SIZE);
        FieldRange.unsigned("code", code, Byte.SIZE);
        if (!Icmpv4Packet.isErrorType(type)) {
            throw new IllegalArgumentException("not an ICMP error type: " + type);
        }
    }

    /**
     * A Destination Unreachable with an unused rest of header.
     *
     * @param code the code, 0 to 15, e.g. {@link Icmpv4Packet#CODE_PROTOCOL_UNREACHABLE}; fragmentation needed
     *             has a header of its own, {@link #fragmentationNeeded}
     * @return the header
     * @throws IllegalArgumentException if the code is out of range or is fragmentation needed
     */
    public static Icmpv4ErrorHeader destinationUnreachable(int code) {
        if (code < 0 || code > MAX_DESTINATION_UNREACHABLE_CODE || code == Icmpv4Packet.CODE_FRAGMENTATION_NEEDED) {
            throw new IllegalArgumentException("not a Destination Unreachable code without data: " + code);
        }
        return new Icmpv4ErrorHeader(Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, code, 0);
    }

    /**
     * A Destination Unreachable, fragmentation needed and DF set, with the next-hop MTU of RFC 1191.
     *
     * @param nextHopMtu the MTU of the link the datagram did not fit, 0 to 65535
     * @return the header
     * @throws IllegalArgumentException if the MTU does not fit in 16 bits
     */
    public static Icmpv4ErrorHeader fragmentationNeeded(int nextHopMtu) {
        FieldRange.unsigned("next-hop MTU", nextHopMtu, Short.SIZE);
        return new Icmpv4ErrorHeader(Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE,
                Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, nextHopMtu);
    }

    /**
     * A Time Exceeded.
     *
     * @param code {@link Icmpv4Packet#CODE_TTL_EXCEEDED_IN_TRANSIT} or
     *             {@link Icmpv4Packet#CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED}
     * @return the header
     * @throws IllegalArgumentException if the code is neither
     */
    public static Icmpv4ErrorHeader timeExceeded(int code) {
        if (code != Icmpv4Packet.CODE_TTL_EXCEEDED_IN_TRANSIT
                && code != Icmpv4Packet.CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED) {
            throw new IllegalArgumentException("not a Time Exceeded code: " + code);
        }
        return new Icmpv4ErrorHeader(Icmpv4Packet.TYPE_TIME_EXCEEDED, code, 0);
    }

    /**
     * A Parameter Problem whose pointer names the octet in error.
     *
     * @param pointer the offset of that octet in the original datagram's header, 0 to 255
     * @return the header
     * @throws IllegalArgumentException if the pointer does not fit in a byte
     */
    public static Icmpv4ErrorHeader parameterProblem(int pointer) {
        FieldRange.unsigned("pointer", pointer, Byte.SIZE);
        return new Icmpv4ErrorHeader(Icmpv4Packet.TYPE_PARAMETER_PROBLEM, Icmpv4Packet.CODE_POINTER_INDICATES_ERROR,
                pointer << (Integer.SIZE - Byte.SIZE));
    }

    /**
     * Appends the message quoting {@code length} bytes of the original datagram from absolute index {@code index}
     * of {@code original}, checksum included.
     *
     * @param out      the buffer to append to
     * @param original the buffer holding the original datagram
     * @param index    the absolute index of its IPv4 header
     * @param length   how many of its bytes to quote
     */
    public void write(ByteBuf out, ByteBuf original, int index, int length) {
        Icmpv4Packet.write(out, type, code, restOfHeader, original, index, length);
    }
}
