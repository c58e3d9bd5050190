package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.UdpDatagram;
import io.netty.channel.ChannelHandlerContext;

/**
 * An RFC 862 style UDP echo service on one port: each datagram sent to that port on one of the host's addresses is
 * sent back to where it came from with the same data. Other datagrams pass on.
 */
public final class UdpEchoHandler extends FrameResponder {
    /** The well-known echo port of RFC 862. */
    public static final int ECHO_PORT = 7;
    private static final int MAX_PORT = 0xffff;

    private final int port;
    private volatile long datagramsEchoed;

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
                && inbound.udp().destinationPort() == port
                && host().isOurs(inbound.ipv4().destination());
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        EthernetFrame ethernet = inbound.ethernet();
        Ipv4Packet ipv4 = inbound.ipv4();
        UdpDatagram udp = inbound.udp();
        send(ctx, Frames.udp(ctx.alloc(), host().mac(), ethernet.source(), ipv4.destination(), ipv4.source(),
                port, udp.sourcePort(), udp.buffer(), udp.payloadOffset(), udp.payloadLength()));
        datagramsEchoed++;
    }

    public int port() {
        return port;
    }

    public long datagramsEchoed() {
        return datagramsEchoed;
    }
}
