package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;

/** Formats UDP over IPv4 and IPv6 for a {@link FrameFormatter}, as tcpdump prints it. */
final class UdpFormatter {
    /** Where a UDP header has its length. */
    private static final int UDP_LENGTH = 4;

    private final PacketDecoder decoder;
    private final FrameLine frameLine;
    private final StringBuilder line;

    UdpFormatter(PacketDecoder decoder, FrameLine frameLine) {
        this.decoder = decoder;
        this.frameLine = frameLine;
        line = frameLine.text();
    }

    /**
     * The decoder's UDP view if the frame is UDP, well-formed, with a checksum that verifies, and follows the IP
     * header right away: tcpdump shows its ports with the addresses.
     */
    UdpDatagram portsWithAddresses() {
        UdpDatagram udp = decoder.udp();
        return decoder.kind() == InboundFrame.Kind.UDP && udp.error() == null && frameLine.checksumError() == null
                && udp.offset() == decoder.ip().payloadOffset() ? udp : null;
    }

    /**
     * Appends the decoder's UDP datagram.
     *
     * @param portsShown whether the ports were printed with the addresses
     */
    void append(boolean portsShown) {
        UdpDatagram udp = decoder.udp();
        if (frameLine.malformed(udp, DecodeError.UDP_BAD_CHECKSUM)) {
            return;
        }
        if (!portsShown) {
            line.append(udp.sourcePort()).append(" > ").append(udp.destinationPort()).append(": ");
        }
        line.append("UDP, length ").append(udp.payloadLength());
    }

    /**
     * Appends the UDP header at the start of a first fragment as tcpdump reads it: the length is the header's, of
     * a datagram the fragment holds only part of.
     */
    void appendOfFirstFragment(ByteBuf buf, int udp, int available) {
        if (available < UdpDatagram.HEADER_LENGTH) {
            line.append("[|udp]");
            return;
        }
        line.append(buf.getUnsignedShort(udp)).append(" > ")
                .append(buf.getUnsignedShort(udp + FrameLine.DESTINATION_PORT))
                .append(": UDP, length ").append(buf.getUnsignedShort(udp + UDP_LENGTH) - UdpDatagram.HEADER_LENGTH);
    }
}
