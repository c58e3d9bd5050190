package io.netstack.wire;

/**
 * A view of a TCP segment (RFC 9293, section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * |           Checksum            |         Urgent Pointer        |
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>A segment has no length field: its length is what the IP packet leaves for it, which {@link #wrap(IpPacket)}
 * takes. Wrapping checks the header's structure only; the checksum, which covers the IP packet's pseudo-header, is
 * verified apart by {@link #isChecksumValid(IpPacket)}. Sequence and acknowledgment numbers are unsigned 32-bit
 * values returned in an {@code int}: compare them with modular arithmetic ({@code a - b > 0}), as TCP does.
 */
public final class TcpSegment extends HeaderedPacketView {
    /** The header without options (data offset 5). */
    public static final int MIN_HEADER_LENGTH = 20;
    /** Where the checksum field is, from the header's start: virtio's {@code csum_offset} for TCP. */
    public static final int CHECKSUM_OFFSET = 16;

    /** No more data from the sender. */
    public static final int FIN = 0x01;
    /** Synchronize sequence numbers. */
    public static final int SYN = 0x02;
    /** Reset the connection. */
    public static final int RST = 0x04;
    /** Push function. */
    public static final int PSH = 0x08;
    /** The acknowledgment number is significant. */
    public static final int ACK = 0x10;
    /** The urgent pointer is significant. */
    public static final int URG = 0x20;
    /** ECN-Echo (RFC 3168). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced (RFC 3168). */
    public static final int CWR = 0x80;

    private static final int SOURCE_PORT_OFFSET = 0;
    private static final int DESTINATION_PORT_OFFSET = 2;
    private static final int SEQUENCE_OFFSET = 4;
    private static final int ACKNOWLEDGMENT_OFFSET = 8;
    private static final int DATA_OFFSET_OFFSET = 12;
    private static final int FLAGS_OFFSET = 13;
    private static final int WINDOW_OFFSET = 14;
    private static final int URGENT_POINTER_OFFSET = 18;
    /** The data offset counts 32-bit words. */
    private static final int DATA_OFFSET_UNIT = 4;

    /** A view that wraps nothing yet: point it at segment after segment with {@link #wrap(IpPacket)}. */
    public TcpSegment() {
    }

    /**
     * Wraps and validates a new view over the payload of {@code packet}; the checksum is not verified.
     *
     * @param packet a well-formed IP packet that is not a fragment
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the segment is malformed
     */
    public static TcpSegment parse(IpPacket packet) {
        return parseOrThrow(new TcpSegment(), packet.buffer(), packet.payloadOffset(), packet.payloadLength());
    }

    /**
     * Points this view at the payload of {@code packet}, which must carry TCP right after its header (no IPv6
     * extension headers), and checks the header; the checksum is not verified.
     *
     * @param packet a well-formed IP packet that is not a fragment
     * @return {@code true} if the segment is well-formed; otherwise {@link #error()} tells why not
     */
    public boolean wrap(IpPacket packet) {
        return wrap(packet.buffer(), packet.payloadOffset(), packet.payloadLength());
    }

    @Override
    DecodeError validate() {
        if (length < MIN_HEADER_LENGTH) {
            return DecodeError.TCP_TRUNCATED;
        }
        int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH) {
            return DecodeError.TCP_BAD_DATA_OFFSET;
        }
        if (headerLength > length) {
            return DecodeError.TCP_TRUNCATED;
        }
        return null;
    }

    /**
     * Whether the checksum matches the segment and the pseudo-header of {@code packet}. A failure is reported as
     * {@link DecodeError#TCP_BAD_CHECKSUM}.
     *
     * @param packet the IP packet this view's segment is the payload of
     * @return {@code true} if the segment and the pseudo-header sum to all ones
     */
    public boolean isChecksumValid(IpPacket packet) {
        return InternetChecksum.verify(buf, offset, length, packet.pseudoHeaderSum(Ipv4Packet.PROTOCOL_TCP, length));
    }

    /** {@return the source port} */
    public int sourcePort() {
        return buf.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
    }

    /** {@return the destination port} */
    public int destinationPort() {
        return buf.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
    }

    /** {@return the sequence number of the first data byte (of the SYN, if set)} */
    public int sequenceNumber() {
        return buf.getInt(offset + SEQUENCE_OFFSET);
    }

    /** {@return the acknowledgment number: the next sequence number the sender expects} */
    public int acknowledgmentNumber() {
        return buf.getInt(offset + ACKNOWLEDGMENT_OFFSET);
    }

    /** {@return the data offset in 32-bit words, 5 to 15} */
    public int dataOffset() {
        return buf.getUnsignedByte(offset + DATA_OFFSET_OFFSET) >>> 4;
    }

    /** {@return the header's length in bytes, options included: {@code dataOffset() * 4}} */
    @Override
    public int headerLength() {
        return dataOffset() * DATA_OFFSET_UNIT;
    }

    /** {@return the control bits, {@link #CWR} to {@link #FIN}} */
    public int flags() {
        return buf.getUnsignedByte(offset + FLAGS_OFFSET);
    }

    /**
     * Whether all the given control bits are set.
     *
     * @param flags control bits, e.g. {@code ACK | PSH}
     * @return {@code true} if every one of them is set
     */
    public boolean hasFlags(int flags) {
        return (flags() & flags) == flags;
    }

    /** {@return the window, unscaled} */
    public int window() {
        return buf.getUnsignedShort(offset + WINDOW_OFFSET);
    }

    /** {@return the checksum field; see {@link #isChecksumValid(IpPacket)}} */
    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** {@return the urgent pointer} */
    public int urgentPointer() {
        return buf.getUnsignedShort(offset + URGENT_POINTER_OFFSET);
    }

    /** {@return the absolute index of the first option byte; options run up to {@link #payloadOffset()}} */
    public int optionsOffset() {
        return offset + MIN_HEADER_LENGTH;
    }

    /** {@return the options' length in bytes, 0 to 40} */
    public int optionsLength() {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /**
     * Rewrites the sequence number in the buffer.
     *
     * @param sequenceNumber the new sequence number
     */
    public void setSequenceNumber(int sequenceNumber) {
        buf.setInt(offset + SEQUENCE_OFFSET, sequenceNumber);
    }

    /**
     * Rewrites the control bits in the buffer.
     *
     * @param flags the new control bits, {@link #CWR} to {@link #FIN}
     */
    public void setFlags(int flags) {
        buf.setByte(offset + FLAGS_OFFSET, flags);
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
