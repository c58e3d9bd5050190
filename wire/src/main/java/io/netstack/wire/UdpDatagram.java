package io.netstack.wire;

import io.netty.buffer.ByteBuf;

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
 * <p>The checksum covers an IPv4 pseudo-header as well as the datagram, so it can only be checked with the
 * addresses of the enclosing packet: {@link #wrap(Ipv4Packet)} does both, while
 * {@link #wrap(ByteBuf, int, int)} checks the lengths only. A checksum field of 0 means the sender computed none,
 * and is accepted.
 */
public final class UdpDatagram extends HeaderedPacketView {
    public static final int HEADER_LENGTH = 8;

    private static final int SOURCE_PORT_OFFSET = 0;
    private static final int DESTINATION_PORT_OFFSET = 2;
    private static final int LENGTH_OFFSET = 4;
    /** Where the checksum field is, from the header's start: virtio's {@code csum_offset} for UDP. */
    public static final int CHECKSUM_OFFSET = 6;
    /** The checksum field value meaning "no checksum"; a computed 0 is sent as its one's complement twin 0xffff. */
    private static final int NO_CHECKSUM = 0;

    /**
     * Wraps and validates a new view over the payload of {@code packet}, checksum included.
     *
     * @throws MalformedPacketException if the datagram is malformed
     */
    public static UdpDatagram parse(Ipv4Packet packet) {
        UdpDatagram udp = new UdpDatagram();
        if (!udp.wrap(packet)) {
            throw new MalformedPacketException(udp.error());
        }
        return udp;
    }

    /**
     * Points this view at the payload of {@code packet} and checks the lengths and the checksum with the
     * packet's pseudo-header. The packet must have been wrapped successfully and must not be a fragment.
     *
     * @return {@code true} if the datagram is well-formed; otherwise {@link #error()} tells why not
     */
    public boolean wrap(Ipv4Packet packet) {
        if (!wrap(packet.buffer(), packet.payloadOffset(), packet.payloadLength())) {
            return false;
        }
        return isChecksumValid(packet.source(), packet.destination()) || fail(DecodeError.UDP_BAD_CHECKSUM);
    }

    /** The fixed {@value #HEADER_LENGTH}-byte header. */
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

    /** Whether the checksum is absent (0) or matches the datagram and the pseudo-header of these addresses. */
    public boolean isChecksumValid(int sourceAddress, int destinationAddress) {
        return checksum() == NO_CHECKSUM || InternetChecksum.verify(buf, offset, length,
                InternetChecksum.pseudoHeaderSum(sourceAddress, destinationAddress, Ipv4Packet.PROTOCOL_UDP, length));
    }

    public int sourcePort() {
        return buf.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
    }

    /** The length field: header plus data, in bytes. Equal to {@link #length()} once wrapped. */
    public int lengthField() {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** Rewrites the length field in the buffer (the view's {@link #length()} stays as wrapped). */
    public void setLengthField(int datagramLength) {
        buf.setShort(offset + LENGTH_OFFSET, datagramLength);
    }

    /** Rewrites the checksum field in the buffer. */
    public void setChecksum(int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
    }

    /**
     * Appends a datagram carrying {@code length} bytes of {@code data} from absolute index {@code index}, with its
     * checksum over the pseudo-header of the given addresses.
     */
    public static void write(ByteBuf out, int sourceAddress, int destinationAddress, int sourcePort,
                             int destinationPort, ByteBuf data, int index, int length) {
        int start = out.writerIndex();
        int datagramLength = HEADER_LENGTH + length;
        out.writeShort(sourcePort);
        out.writeShort(destinationPort);
        out.writeShort(datagramLength);
        out.writeShort(NO_CHECKSUM);
        out.writeBytes(data, index, length);
        long pseudoHeader = InternetChecksum.pseudoHeaderSum(sourceAddress, destinationAddress,
                Ipv4Packet.PROTOCOL_UDP, datagramLength);
        int checksum = InternetChecksum.finish(InternetChecksum.sum(out, start, datagramLength, pseudoHeader));
        // RFC 768: a computed checksum of zero is transmitted as all ones, since zero means "none".
        out.setShort(start + CHECKSUM_OFFSET, checksum == NO_CHECKSUM ? 0xffff : checksum);
    }
}
