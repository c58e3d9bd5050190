package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The IP header of the packets of one flow, of either version: what a connection-oriented protocol keeps once per
 * connection so that each packet it sends writes its header and checksum without allocating.
 */
public sealed interface IpHeader permits Ipv4Header, Ipv6Header {

    /**
     * The header of the packets answering {@code request}: from its destination back to its source.
     *
     * @param request  a received packet
     * @param protocol the upper-layer protocol of the answers, e.g. {@link Ipv4Packet#PROTOCOL_TCP}
     * @return a header of the request's version
     */
    static IpHeader replyTo(IpPacket request, int protocol) {
        return switch (request) {
            case Ipv4Packet ipv4 -> Ipv4Header.of(ipv4.destination(), ipv4.source(), protocol);
            case Ipv6Packet ipv6 -> Ipv6Header.replyTo(ipv6, protocol);
        };
    }

    /** {@return the header's length in bytes: 20 for IPv4 (no options), 40 for IPv6} */
    int length();

    /**
     * Appends the header at the writer index of {@code out}.
     *
     * @param out           the buffer to append to
     * @param payloadLength the length of the payload that will follow
     */
    void write(ByteBuf out, int payloadLength);

    /**
     * The pseudo-header sum of an upper-layer packet of {@code upperLayerLength} bytes under this header.
     *
     * @param upperLayerLength the upper-layer packet's length in bytes, its header included
     * @return the unfolded sum, see {@link InternetChecksum}
     */
    long pseudoHeaderSum(int upperLayerLength);
}
