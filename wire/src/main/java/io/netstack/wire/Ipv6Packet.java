package io.netstack.wire;

import io.netty.buffer.ByteBuf;

import java.net.Inet6Address;

/**
 * A view of an IPv6 packet (RFC 8200): the fixed 40-byte header and what follows it.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                  Source Address (128 bits)                    |
 * |               Destination Address (128 bits)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Validation checks the version and that the payload length fits the wrapped range; the header has no checksum.
 * The view's {@link #length()} is then the header plus the payload length, so Ethernet padding is ignored.
 * Extension headers are not parsed here: {@link #nextHeader()} is the first one's type, and the payload starts right
 * after the fixed header; {@link Ipv6ExtensionHeaders} walks them to the upper-layer protocol. Addresses are read
 * as absolute indexes into the buffer ({@link #sourceOffset()}), since Java has no 128-bit primitive; see
 * {@link Ipv6Address} for reading and comparing them in place.
 */
public final class Ipv6Packet extends HeaderedPacketView implements IpPacket {
    /** The fixed header's length. */
    public static final int HEADER_LENGTH = 40;
    /** Octets in an IPv6 address. */
    public static final int ADDRESS_LENGTH = 16;
    /** The version field of IPv6. */
    public static final int VERSION = 6;
    /** The initial hop limit of the packets built here, Linux's default ({@code net.ipv6.conf.*.hop_limit}). */
    public static final int DEFAULT_HOP_LIMIT = 64;
    /** The link MTU every IPv6 link supports (RFC 8200 section 5), which bounds an ICMPv6 error's size. */
    public static final int MIN_MTU = 1280;
    /** The next header value of ICMPv6 (RFC 4443). */
    public static final int PROTOCOL_ICMPV6 = 58;
    /** The largest payload length field. */
    static final int MAX_PAYLOAD_LENGTH = 0xffff;

    private static final int VERSION_CLASS_LABEL_OFFSET = 0;
    static final int PAYLOAD_LENGTH_OFFSET = 4;
    static final int NEXT_HEADER_OFFSET = 6;
    private static final int HOP_LIMIT_OFFSET = 7;
    private static final int SOURCE_OFFSET = 8;
    private static final int DESTINATION_OFFSET = 24;

    /** A view that wraps nothing yet: point it at packet after packet with {@link #wrap(ByteBuf, int, int)}. */
    public Ipv6Packet() {
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code packet}.
     *
     * @param packet the buffer whose readable bytes are the packet
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the packet is malformed
     */
    public static Ipv6Packet parse(ByteBuf packet) {
        return parseOrThrow(new Ipv6Packet(), packet);
    }

    /** {@return {@value #HEADER_LENGTH}: extension headers count as payload} */
    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    DecodeError validate() {
        if (length < HEADER_LENGTH) {
            return DecodeError.IPV6_TRUNCATED;
        }
        if (version() != VERSION) {
            return DecodeError.IPV6_BAD_VERSION;
        }
        int packetLength = HEADER_LENGTH + payloadLengthField();
        if (packetLength > length) {
            return DecodeError.IPV6_TRUNCATED;
        }
        length = packetLength;
        return null;
    }

    private int versionClassLabel() {
        return buf.getInt(offset + VERSION_CLASS_LABEL_OFFSET);
    }

    @Override
    public int version() {
        return versionClassLabel() >>> 28;
    }

    /** {@return the traffic class: DSCP in the high six bits, ECN in the low two} */
    public int trafficClass() {
        return (versionClassLabel() >>> 20) & 0xff;
    }

    /** {@return the 20-bit flow label} */
    public int flowLabel() {
        return versionClassLabel() & 0xfffff;
    }

    /** {@return the payload length field: the bytes after the fixed header, extension headers included} */
    public int payloadLengthField() {
        return buf.getUnsignedShort(offset + PAYLOAD_LENGTH_OFFSET);
    }

    /** {@return the type of the header after the fixed one: an extension header or the upper-layer protocol} */
    public int nextHeader() {
        return buf.getUnsignedByte(offset + NEXT_HEADER_OFFSET);
    }

    /** {@return the hop limit, decremented by every router} */
    public int hopLimit() {
        return buf.getUnsignedByte(offset + HOP_LIMIT_OFFSET);
    }

    /** {@return the absolute index of the 16-byte source address; the destination follows it} */
    public int sourceOffset() {
        return offset + SOURCE_OFFSET;
    }

    /** {@return the absolute index of the 16-byte destination address} */
    public int destinationOffset() {
        return offset + DESTINATION_OFFSET;
    }

    /** {@return whether the destination is a multicast address, read in place} */
    public boolean isDestinationMulticast() {
        return Ipv6Address.isMulticast(buf, destinationOffset());
    }

    /** {@return the source address as a JDK address} Allocates; see {@link Ipv6Address#read}. */
    public Inet6Address sourceAddress() {
        return address(sourceOffset());
    }

    /** {@return the destination address as a JDK address} Allocates; see {@link Ipv6Address#read}. */
    public Inet6Address destinationAddress() {
        return address(destinationOffset());
    }

    private Inet6Address address(int index) {
        // Not InetAddress.getByAddress, which makes an IPv4-mapped address an Inet4Address.
        return Ipv6Address.read(buf, index).toInetAddress();
    }

    @Override
    public long pseudoHeaderSum(int protocol, int upperLayerLength) {
        return InternetChecksum.ipv6PseudoHeaderSum(buf, sourceOffset(), protocol, upperLayerLength);
    }

    /**
     * Rewrites the payload length field in the buffer (the view's {@link #length()} stays as wrapped).
     *
     * @param payloadLength the new payload length, extension headers included
     */
    public void setPayloadLength(int payloadLength) {
        buf.setShort(offset + PAYLOAD_LENGTH_OFFSET, payloadLength);
    }
}
