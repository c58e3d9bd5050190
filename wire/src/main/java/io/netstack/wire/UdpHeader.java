package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The fields of a UDP header that a sender chooses (smoltcp's {@code UdpRepr}); {@link #write} appends a whole
 * datagram, its length and checksum computed.
 *
 * @param sourcePort      the source port, 0 to 65535
 * @param destinationPort the destination port, 0 to 65535
 */
public record UdpHeader(int sourcePort, int destinationPort) {
    /**
     * Checks the ranges of the ports.
     *
     * @throws IllegalArgumentException if a port does not fit in 16 bits
     */
    public UdpHeader {
        checkPorts(sourcePort, destinationPort);
    }

    /** Checks the ranges of the ports, for the builders that take them as fields rather than a record. */
    static void checkPorts(int sourcePort, int destinationPort) {
        FieldRange.unsigned("source port", sourcePort, Short.SIZE);
        FieldRange.unsigned("destination port", destinationPort, Short.SIZE);
    }

    /**
     * The header of the answer to {@code request}: from its destination port back to its source port.
     *
     * @param request a well-formed datagram
     * @return the header
     */
    public static UdpHeader replyTo(UdpDatagram request) {
        return new UdpHeader(request.destinationPort(), request.sourcePort());
    }

    /**
     * Appends a datagram carrying {@code length} bytes of {@code data} from absolute index {@code index}, with its
     * checksum over the pseudo-header of {@code ip}.
     *
     * @param out    the buffer to append to
     * @param ip     the header of the IPv4 packet the datagram goes in
     * @param data   the buffer holding the data
     * @param index  the absolute index of the data in {@code data}
     * @param length the data's length in bytes
     */
    public void write(ByteBuf out, Ipv4Header ip, ByteBuf data, int index, int length) {
        write(out, sourcePort, destinationPort, ip.pseudoHeaderSum(UdpDatagram.HEADER_LENGTH + length),
                data, index, length);
    }

    /**
     * Appends a datagram carrying {@code length} bytes of {@code data} from absolute index {@code index}, with its
     * checksum over the pseudo-header of {@code ip}, which IPv6 makes mandatory (RFC 8200 section 8.1).
     *
     * @param out    the buffer to append to
     * @param ip     the header of the IPv6 packet the datagram goes in, with no extension header
     * @param data   the buffer holding the data
     * @param index  the absolute index of the data in {@code data}
     * @param length the data's length in bytes
     */
    public void write(ByteBuf out, Ipv6Header ip, ByteBuf data, int index, int length) {
        write(out, sourcePort, destinationPort, ip.pseudoHeaderSum(UdpDatagram.HEADER_LENGTH + length),
                data, index, length);
    }

    /**
     * Appends a datagram of the given fields, for the builders that write from a parsed packet without a record.
     * The ports are within range; {@code pseudoHeaderSum} is the sum of the IPv4 or IPv6 pseudo-header, the
     * datagram's length included.
     */
    static void write(ByteBuf out, int sourcePort, int destinationPort, long pseudoHeaderSum,
                      ByteBuf data, int index, int length) {
        int start = out.writerIndex();
        int datagramLength = UdpDatagram.HEADER_LENGTH + length;
        out.writeShort(sourcePort);
        out.writeShort(destinationPort);
        out.writeShort(datagramLength);
        out.writeShort(UdpDatagram.NO_CHECKSUM);
        Frames.writeData(out, data, index, length);
        int checksum = InternetChecksum.finish(InternetChecksum.sum(out, start, datagramLength, pseudoHeaderSum));
        // RFC 768: a computed checksum of zero is transmitted as all ones, since zero means "none".
        out.setShort(start + UdpDatagram.CHECKSUM_OFFSET, checksum == UdpDatagram.NO_CHECKSUM ? 0xffff : checksum);
    }
}
