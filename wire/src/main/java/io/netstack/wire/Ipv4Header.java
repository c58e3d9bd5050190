package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The fields of an IPv4 header that a sender chooses (smoltcp's {@code Ipv4Repr}); {@link #write} turns them into
 * a 20-byte header with its checksum. The other fields are fixed: no options, DF set and identification 0, which
 * RFC 6864 allows for such atomic datagrams, never fragmented; DSCP and ECN 0.
 *
 * @param source      the source address, see {@link Ipv4Address}
 * @param destination the destination address
 * @param protocol    the upper-layer protocol, e.g. {@link Ipv4Packet#PROTOCOL_UDP}, 0 to 255
 * @param ttl         the time to live, 0 to 255
 */
public record Ipv4Header(int source, int destination, int protocol, int ttl) implements IpHeader {
    /**
     * Checks the ranges of the fields.
     *
     * @throws IllegalArgumentException if the protocol or the TTL does not fit in a byte
     */
    public Ipv4Header {
        FieldRange.unsigned("protocol", protocol, Byte.SIZE);
        FieldRange.unsigned("ttl", ttl, Byte.SIZE);
    }

    /**
     * A header with {@link Ipv4Packet#DEFAULT_TTL}.
     *
     * @param source      the source address
     * @param destination the destination address
     * @param protocol    the upper-layer protocol
     * @return the header
     */
    public static Ipv4Header of(int source, int destination, int protocol) {
        return new Ipv4Header(source, destination, protocol, Ipv4Packet.DEFAULT_TTL);
    }

    /**
     * The header of the answer to {@code request}: from its destination back to its source, same protocol.
     *
     * @param request a well-formed packet
     * @return the header, with {@link Ipv4Packet#DEFAULT_TTL}
     */
    public static Ipv4Header replyTo(Ipv4Packet request) {
        return of(request.destination(), request.source(), request.protocol());
    }

    /**
     * The pseudo-header sum of an upper-layer packet of {@code upperLayerLength} bytes under this header.
     *
     * @param upperLayerLength the upper-layer packet's length in bytes, its header included
     * @return the unfolded sum, see {@link InternetChecksum#pseudoHeaderSum}
     */
    @Override
    public long pseudoHeaderSum(int upperLayerLength) {
        return InternetChecksum.pseudoHeaderSum(source, destination, protocol, upperLayerLength);
    }

    /**
     * Appends the header, checksum included, at the writer index of {@code out}.
     *
     * @param out           the buffer to append to
     * @param payloadLength the length of the payload that will follow, for the total length field
     */
    @Override
    public void write(ByteBuf out, int payloadLength) {
        write(out, source, destination, protocol, ttl, payloadLength);
    }

    @Override
    public int length() {
        return Ipv4Packet.MIN_HEADER_LENGTH;
    }

    /**
     * Appends a header of the given fields, for the builders that write from a parsed packet without a record.
     * The fields are within range.
     */
    static void write(ByteBuf out, int source, int destination, int protocol, int ttl, int payloadLength) {
        int start = out.writerIndex();
        out.writeByte(Ipv4Packet.VERSION << 4 | Ipv4Packet.MIN_HEADER_LENGTH / Ipv4Packet.IHL_UNIT);
        out.writeByte(0);
        out.writeShort(Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
        out.writeShort(0);
        out.writeShort(Ipv4Packet.FLAG_DF);
        out.writeByte(ttl);
        out.writeByte(protocol);
        out.writeShort(0);
        out.writeInt(source);
        out.writeInt(destination);
        out.setShort(start + Ipv4Packet.CHECKSUM_OFFSET,
                InternetChecksum.checksum(out, start, Ipv4Packet.MIN_HEADER_LENGTH));
    }
}
