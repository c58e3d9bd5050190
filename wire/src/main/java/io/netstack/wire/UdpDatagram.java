package io.netstack.wire;

/**
 * A view of a UDP datagram (RFC 768).
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+---------------+---------------+
 * |          Source Port          |       Destination Port        |
 * |            Length             |           Checksum            |
 * |     Data ...
 * +---------------+---------------+---------------+---------------+
 * </pre>
 *
 * <p>{@code wrap} checks the lengths only. The checksum covers a pseudo-header of the enclosing IP packet as well
 * as the datagram, so it is verified apart, with that packet: {@link #isChecksumValid(IpPacket)}. A checksum field
 * of 0 means that an IPv4 sender computed none, and is accepted; over IPv6 it is invalid (RFC 8200 section 8.1).
 */
public final class UdpDatagram extends HeaderedPacketView {
    /** The length of the header: ports, length and checksum. */
    public static final int HEADER_LENGTH = 8;

    private static final int SOURCE_PORT_OFFSET = 0;
    private static final int DESTINATION_PORT_OFFSET = 2;
    private static final int LENGTH_OFFSET = 4;
    /** Where the checksum field is, from the header's start: virtio's {@code csum_offset} for UDP. */
    public static final int CHECKSUM_OFFSET = 6;
    /** The checksum field value meaning "no checksum"; a computed 0 is sent as its one's complement twin 0xffff. */
    static final int NO_CHECKSUM = 0;

    /** A view that wraps nothing yet: point it at datagram after datagram with {@link #wrap(IpPacket)}. */
    public UdpDatagram() {
    }

    /**
     * Wraps and validates a new view over the payload of {@code packet}; the checksum is not verified.
     *
     * @param packet a well-formed IP packet that is not a fragment
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the datagram is malformed
     */
    public static UdpDatagram parse(IpPacket packet) {
        return parseOrThrow(new UdpDatagram(), packet.buffer(), packet.payloadOffset(), packet.payloadLength());
    }

    /**
     * Points this view at the payload of {@code packet} and checks the lengths; the checksum is not verified.
     *
     * @param packet a well-formed IP packet that is not a fragment
     * @return {@code true} if the datagram is well-formed; otherwise {@link #error()} tells why not
     */
    public boolean wrap(IpPacket packet) {
        return wrap(packet.buffer(), packet.payloadOffset(), packet.payloadLength());
    }

    /** {@return {@value #HEADER_LENGTH}: the header has a fixed length} */
    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    DecodeError validate() {
        if (length < HEADER_LENGTH) {
            return DecodeError.UDP_TRUNCATED;
        }
        int datagramLength = buf.getUnsignedShort(offset + LENGTH_OFFSET);
        if (datagramLength < HEADER_LENGTH) {
            return DecodeError.UDP_BAD_LENGTH;
        }
        if (datagramLength > length) {
            return DecodeError.UDP_TRUNCATED;
        }
        length = datagramLength;
        return null;
    }

    /**
     * Whether the checksum matches the datagram and the pseudo-header of {@code packet}, or is absent (0) over
     * IPv4. A failure is reported as {@link DecodeError#UDP_BAD_CHECKSUM}.
     *
     * @param packet the IP packet this view was wrapped in
     * @return {@code true} if the checksum verifies
     */
    public boolean isChecksumValid(IpPacket packet) {
        if (checksum() == NO_CHECKSUM) {
            return packet.version() == Ipv4Packet.VERSION;
        }
        return InternetChecksum.verify(buf, offset, length, packet.pseudoHeaderSum(Ipv4Packet.PROTOCOL_UDP, length));
    }

    /** {@return the source port} */
    public int sourcePort() {
        return buf.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
    }

    /** {@return the destination port} */
    public int destinationPort() {
        return buf.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
    }

    /** {@return the length field: header plus data, in bytes} Equal to {@link #length()} once wrapped. */
    public int lengthField() {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    /** {@return the checksum field, 0 for none; see {@link #isChecksumValid(IpPacket)}} */
    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /**
     * Rewrites the length field in the buffer (the view's {@link #length()} stays as wrapped).
     *
     * @param datagramLength the new length, header included
     */
    public void setLengthField(int datagramLength) {
        buf.setShort(offset + LENGTH_OFFSET, datagramLength);
    }

    /**
     * Rewrites the checksum field in the buffer.
     *
     * @param checksum the new checksum field
     */
    public void setChecksum(int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
    }
}
