package io.netstack.wire;

/**
 * What ICMP for IPv4 (RFC 792) and ICMPv6 (RFC 4443) have in common: an 8-byte header of type, code, checksum and
 * four bytes whose meaning depends on the type (an echo's identifier and sequence number), then the data.
 * Validation checks the length only; how the checksum is computed differs, and is the subclasses'.
 */
abstract sealed class IcmpPacketView extends HeaderedPacketView permits Icmpv4Packet, Icmpv6Packet {
    /** Type, code, checksum and the four type-specific bytes. */
    static final int ICMP_HEADER_LENGTH = 8;
    static final int CHECKSUM_OFFSET = 2;

    private static final int TYPE_OFFSET = 0;
    private static final int CODE_OFFSET = 1;
    private static final int IDENTIFIER_OFFSET = 4;
    private static final int SEQUENCE_NUMBER_OFFSET = 6;

    private final DecodeError truncated;

    /** @param truncated what a message shorter than the header is reported as */
    IcmpPacketView(DecodeError truncated) {
        this.truncated = truncated;
    }

    /** The fixed 8-byte header. */
    @Override
    public final int headerLength() {
        return ICMP_HEADER_LENGTH;
    }

    @Override
    final DecodeError validate() {
        return length < ICMP_HEADER_LENGTH ? truncated : null;
    }

    /** {@return the type, which tells what the message is} */
    public final int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    /** {@return the code, which refines the type} */
    public final int code() {
        return buf.getUnsignedByte(offset + CODE_OFFSET);
    }

    /** {@return the checksum field} */
    public final int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** {@return the echo identifier; meaningful for echo requests and replies only} */
    public final int identifier() {
        return buf.getUnsignedShort(offset + IDENTIFIER_OFFSET);
    }

    /** {@return the echo sequence number; meaningful for echo requests and replies only} */
    public final int sequenceNumber() {
        return buf.getUnsignedShort(offset + SEQUENCE_NUMBER_OFFSET);
    }
}
