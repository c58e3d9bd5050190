package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * What the layer above sees of an IP packet, whichever its version: where the payload is, and the pseudo-header
 * sum its TCP or UDP checksum covers. {@link TcpSegment} and {@link UdpDatagram} wrap and verify themselves over
 * either version through it.
 */
public sealed interface IpPacket permits Ipv4Packet, Ipv6Packet {
    /**
     * The version field.
     *
     * @return 4 or 6
     */
    int version();

    /**
     * The buffer the packet is in.
     *
     * @return the buffer of the last {@code wrap}
     */
    ByteBuf buffer();

    /**
     * Where the packet starts.
     *
     * @return the absolute index of the header's first byte
     */
    int offset();

    /**
     * The packet's length as its header states it, so without padding after it.
     *
     * @return the length in bytes, header included
     */
    int length();

    /**
     * Where the payload starts.
     *
     * @return the absolute index of the first byte after the header
     */
    int payloadOffset();

    /**
     * The payload's length, up to the end the header states (padding after it excluded).
     *
     * @return the length in bytes
     */
    int payloadLength();

    /**
     * The sum of the pseudo-header over which an upper-layer checksum is computed: RFC 768 and RFC 9293 for IPv4,
     * RFC 8200 section 8.1 for IPv6.
     *
     * @param protocol         the upper-layer protocol, e.g. {@link Ipv4Packet#PROTOCOL_TCP} (after IPv6 extension
     *                         headers, not the first next header)
     * @param upperLayerLength the upper-layer packet's length in bytes, its header included
     * @return the unfolded sum, to pass to {@link InternetChecksum#sum} or {@link InternetChecksum#verify}
     */
    long pseudoHeaderSum(int protocol, int upperLayerLength);
}
