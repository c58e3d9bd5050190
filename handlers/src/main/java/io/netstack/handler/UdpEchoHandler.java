package io.netstack.handler;

import io.netstack.wire.Frames;
import io.netstack.wire.UdpDatagram;
import io.netty.channel.ChannelHandlerContext;

/**
 * An RFC 862 style UDP echo service on one port: each datagram sent to that port on one of the host's addresses is
 * sent back to where it came from with the same data, as an IP packet that the link layer frames. Other datagrams
 * pass on.
 */
public final class UdpEchoHandler extends FrameResponder {
    /** The well-known echo port of RFC 862. */
    public static final int ECHO_PORT = 7;
    private static final int MAX_PORT = 0xffff;

    private final int port;
    private volatile long datagramsEchoed;

    /**
     * An echo service for a host.
     *
     * @param host the addresses it answers on and from
     * @param port the UDP port it serves, 1 to 65535
     * @throws IllegalArgumentException if the port is out of range
     */
    public UdpEchoHandler(HostAddresses host, int port) {
        super(host);
        if (port <= 0 || port > MAX_PORT) {
            throw new IllegalArgumentException("UDP port not within 1..65535: " + port);
        }
        this.port = port;
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        return inbound.kind() == InboundFrame.Kind.UDP
                && inbound.isIpv4()
                && inbound.udp().destinationPort() == port
                && host().isOurs(inbound.ipv4().destination());
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        UdpDatagram udp = inbound.udp();
        send(ctx, Frames.udpReply(ctx.alloc(), inbound.ipv4(), udp, udp.buffer(), udp.payloadOffset(),
                udp.payloadLength()));
        datagramsEchoed++;
    }

    /** {@return the UDP port served} */
    public int port() {
        return port;
    }

    /** {@return how many datagrams were sent back} */
    public long datagramsEchoed() {
        return datagramsEchoed;
    }
}
