package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of an IPv4 packet (RFC 791).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options (IHL > 5)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Validation checks the structure: the version, that IHL is at least 5, and that the total length covers the
 * header and fits the wrapped range. The header checksum is verified apart, by {@link #isChecksumValid()}. The
 * view's {@link #length()} is the total length, so Ethernet padding after the packet is ignored. Fragments are
 * accepted, not reassembled: {@link #isFragment()} flags them, and the payload of a fragment is only a piece of the
 * upper-layer datagram.
 */
public final class Ipv4Packet extends HeaderedPacketView implements IpPacket {
    /** The header without options (IHL 5). */
    public static final int MIN_HEADER_LENGTH = 20;
    /** The version field of IPv4. */
    public static final int VERSION = 4;
    /** The initial TTL of the packets built here, Linux's default ({@code net.ipv4.ip_default_ttl}). */
    public static final int DEFAULT_TTL = 64;

    /** The protocol number of ICMP (IANA "Assigned Internet Protocol Numbers"). */
    public static final int PROTOCOL_ICMP = 1;
    /** The protocol number of TCP, also IPv6's next header value for it. */
    public static final int PROTOCOL_TCP = 6;
    /** The protocol number of UDP, also IPv6's next header value for it. */
    public static final int PROTOCOL_UDP = 17;

    private static final int VERSION_IHL_OFFSET = 0;
    private static final int TOS_OFFSET = 1;
    private static final int TOTAL_LENGTH_OFFSET = 2;
    private static final int IDENTIFICATION_OFFSET = 4;
    private static final int FLAGS_FRAGMENT_OFFSET = 6;
    private static final int TTL_OFFSET = 8;
    private static final int PROTOCOL_OFFSET = 9;
    static final int CHECKSUM_OFFSET = 10;
    private static final int SOURCE_OFFSET = 12;
    private static final int DESTINATION_OFFSET = 16;

    static final int FLAG_DF = 0x4000;
    private static final int FLAG_MF = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1fff;
    private static final int FLAGS_SHIFT = 13;
    /** The fragment offset counts units of 8 octets. */
    private static final int FRAGMENT_UNIT = 8;
    /** IHL counts 32-bit words. */
    static final int IHL_UNIT = 4;

    /** A view that wraps nothing yet: point it at packet after packet with {@link #wrap(ByteBuf, int, int)}. */
    public Ipv4Packet() {
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code packet}.
     *
     * @param packet the buffer whose readable bytes are the packet
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the packet is malformed
     */
    public static Ipv4Packet parse(ByteBuf packet) {
        return parseOrThrow(new Ipv4Packet(), packet);
    }

    @Override
    DecodeError validate() {
        if (length < MIN_HEADER_LENGTH) {
            return DecodeError.IPV4_TRUNCATED;
        }
        if (version() != VERSION) {
            return DecodeError.IPV4_BAD_VERSION;
        }
        int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH) {
            return DecodeError.IPV4_BAD_HEADER_LENGTH;
        }
        int totalLength = totalLength();
        if (totalLength < headerLength) {
            return DecodeError.IPV4_BAD_TOTAL_LENGTH;
        }
        if (totalLength > length) {
            return DecodeError.IPV4_TRUNCATED;
        }
        length = totalLength;
        return null;
    }

    /**
     * Whether the header checksum verifies (RFC 791: it covers the header only, options included). A failure is
     * reported as {@link DecodeError#IPV4_BAD_CHECKSUM}.
     *
     * @return {@code true} if the header sums to all ones
     */
    public boolean isChecksumValid() {
        return InternetChecksum.verify(buf, offset, headerLength(), 0);
    }

    @Override
    public int version() {
        return buf.getUnsignedByte(offset + VERSION_IHL_OFFSET) >>> 4;
    }

    /** {@return the Internet Header Length in 32-bit words, 5 to 15} */
    public int ihl() {
        return buf.getUnsignedByte(offset + VERSION_IHL_OFFSET) & 0x0f;
    }

    /** {@return the header's length in bytes, options included: {@code ihl() * 4}} */
    @Override
    public int headerLength() {
        return ihl() * IHL_UNIT;
    }

    /** {@return the Differentiated Services Code Point (RFC 2474), the high six bits of the former TOS byte} */
    public int dscp() {
        return buf.getUnsignedByte(offset + TOS_OFFSET) >>> 2;
    }

    /** {@return the Explicit Congestion Notification bits (RFC 3168), the low two bits of the former TOS byte} */
    public int ecn() {
        return buf.getUnsignedByte(offset + TOS_OFFSET) & 0x03;
    }

    /** {@return the length of the whole packet, header and payload, in bytes} */
    public int totalLength() {
        return buf.getUnsignedShort(offset + TOTAL_LENGTH_OFFSET);
    }

    /** {@return the identification field, which tells the fragments of one datagram} */
    public int identification() {
        return buf.getUnsignedShort(offset + IDENTIFICATION_OFFSET);
    }

    /** {@return the DF flag: the packet must not be fragmented} */
    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & FLAG_DF) != 0;
    }

    /** {@return the MF flag: more fragments of the same datagram follow} */
    public boolean moreFragments() {
        return (flagsAndFragmentOffset() & FLAG_MF) != 0;
    }

    /**
     * {@return the fragment offset field, in units of 8 octets as on the wire; see {@link #fragmentOffsetBytes()}}
     */
    public int fragmentOffset() {
        return flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK;
    }

    /** {@return where this fragment's payload starts in the original datagram's payload, in bytes} */
    public int fragmentOffsetBytes() {
        return fragmentOffset() * FRAGMENT_UNIT;
    }

    /**
     * {@return whether this packet is a fragment, first or later, of a larger datagram: MF is set or the offset is
     * not 0}
     */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /**
     * The 3-bit flags field: reserved, DF, MF, from the most significant bit down.
     *
     * @return the flags, 0 to 7
     */
    public int flags() {
        return flagsAndFragmentOffset() >>> FLAGS_SHIFT;
    }

    private int flagsAndFragmentOffset() {
        return buf.getUnsignedShort(offset + FLAGS_FRAGMENT_OFFSET);
    }

    /** {@return the time to live, decremented by every router} */
    public int ttl() {
        return buf.getUnsignedByte(offset + TTL_OFFSET);
    }

    /** {@return the upper-layer protocol number, e.g. {@link #PROTOCOL_UDP}} */
    public int protocol() {
        return buf.getUnsignedByte(offset + PROTOCOL_OFFSET);
    }

    /** {@return the header checksum field; see {@link #isChecksumValid()}} */
    public int headerChecksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** {@return the source address as an {@code int}, see {@link Ipv4Address}} */
    public int source() {
        return Ipv4Address.read(buf, offset + SOURCE_OFFSET);
    }

    /** {@return the destination address as an {@code int}, see {@link Ipv4Address}} */
    public int destination() {
        return Ipv4Address.read(buf, offset + DESTINATION_OFFSET);
    }

    /** {@return the source address as an object} Allocates. */
    public Ipv4Address sourceAddress() {
        return new Ipv4Address(source());
    }

    /** {@return the destination address as an object} Allocates. */
    public Ipv4Address destinationAddress() {
        return new Ipv4Address(destination());
    }

    /** {@return the absolute index of the first option byte; options run up to {@link #payloadOffset()}} */
    public int optionsOffset() {
        return offset + MIN_HEADER_LENGTH;
    }

    /** {@return the options' length in bytes, 0 to 40} */
    public int optionsLength() {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /** {@return the options as a slice of the buffer, sharing its content and reference count} Allocates the slice. */
    public ByteBuf options() {
        return buf.slice(optionsOffset(), optionsLength());
    }

    @Override
    public long pseudoHeaderSum(int protocol, int upperLayerLength) {
        return InternetChecksum.pseudoHeaderSum(source(), destination(), protocol, upperLayerLength);
    }

    /**
     * Rewrites the total length field in the buffer (the view's {@link #length()} stays as wrapped).
     *
     * @param totalLength the new total length, header included
     */
    public void setTotalLength(int totalLength) {
        buf.setShort(offset + TOTAL_LENGTH_OFFSET, totalLength);
    }

    /**
     * Rewrites the identification field in the buffer.
     *
     * @param identification the new identification, 0 to 65535
     */
    public void setIdentification(int identification) {
        buf.setShort(offset + IDENTIFICATION_OFFSET, identification);
    }

    /** Recomputes the header checksum in the buffer, after fields were rewritten. */
    public void updateHeaderChecksum() {
        buf.setShort(offset + CHECKSUM_OFFSET, 0);
        buf.setShort(offset + CHECKSUM_OFFSET, InternetChecksum.checksum(buf, offset, headerLength()));
    }
}
