package io.netstack.wire;

import io.netty.buffer.ByteBuf;

import java.util.Objects;

/**
 * The fields of an IPv6 header that a sender chooses (smoltcp's {@code Ipv6Repr}); {@link #write} turns them into
 * the 40-byte fixed header. The other fields are fixed: traffic class and flow label 0, no extension headers.
 *
 * @param source      the source address
 * @param destination the destination address
 * @param nextHeader  the upper-layer protocol, e.g. {@link Ipv6Packet#PROTOCOL_ICMPV6}, 0 to 255
 * @param hopLimit    the hop limit, 0 to 255
 */
public record Ipv6Header(Ipv6Address source, Ipv6Address destination, int nextHeader, int hopLimit)
        implements IpHeader {
    /** The version, traffic class and flow label word: version 6, the rest 0. */
    private static final int VERSION_WORD = Ipv6Packet.VERSION << 28;

    /**
     * Checks the fields.
     *
     * @throws NullPointerException     if an address is {@code null}
     * @throws IllegalArgumentException if the next header or the hop limit does not fit in a byte
     */
    public Ipv6Header {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        FieldRange.unsigned("next header", nextHeader, Byte.SIZE);
        FieldRange.unsigned("hop limit", hopLimit, Byte.SIZE);
    }

    /**
     * A header with {@link Ipv6Packet#DEFAULT_HOP_LIMIT}.
     *
     * @param source      the source address
     * @param destination the destination address
     * @param nextHeader  the upper-layer protocol
     * @return the header
     */
    public static Ipv6Header of(Ipv6Address source, Ipv6Address destination, int nextHeader) {
        return new Ipv6Header(source, destination, nextHeader, Ipv6Packet.DEFAULT_HOP_LIMIT);
    }

    /**
     * The header of the answer to {@code request}: from its destination back to its source. A request to a
     * multicast address is answered from one of the host's own addresses instead, with {@link #of}.
     *
     * @param request    a well-formed packet
     * @param nextHeader the answer's upper-layer protocol (the request's may follow extension headers, so it is not
     *                   taken from its first Next Header)
     * @return the header, with {@link Ipv6Packet#DEFAULT_HOP_LIMIT}
     */
    public static Ipv6Header replyTo(Ipv6Packet request, int nextHeader) {
        ByteBuf buf = request.buffer();
        return of(Ipv6Address.read(buf, request.destinationOffset()), Ipv6Address.read(buf, request.sourceOffset()),
                nextHeader);
    }

    /**
     * The pseudo-header sum of an upper-layer packet of {@code upperLayerLength} bytes under this header (RFC 8200
     * section 8.1).
     *
     * @param upperLayerLength the upper-layer packet's length in bytes, its header included
     * @return the unfolded sum, see {@link InternetChecksum}
     */
    @Override
    public long pseudoHeaderSum(int upperLayerLength) {
        return source.checksumSum() + destination.checksumSum() + nextHeader + upperLayerLength;
    }

    @Override
    public int length() {
        return Ipv6Packet.HEADER_LENGTH;
    }

    /**
     * Appends the header at the writer index of {@code out}.
     *
     * @param out           the buffer to append to
     * @param payloadLength the length of the payload that will follow, for the payload length field
     */
    @Override
    public void write(ByteBuf out, int payloadLength) {
        out.writeInt(VERSION_WORD);
        out.writeShort(payloadLength);
        out.writeByte(nextHeader);
        out.writeByte(hopLimit);
        source.write(out);
        destination.write(out);
    }
}
