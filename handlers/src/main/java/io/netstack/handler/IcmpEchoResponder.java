package io.netstack.handler;

import io.netstack.wire.Frames;
import io.netstack.wire.Ipv6Packets;
import io.netty.channel.ChannelHandlerContext;

/**
 * Answers ICMP echo requests (RFC 792) and ICMPv6 echo requests (RFC 4443 section 4.1) sent to one of the host's
 * addresses with an echo reply carrying the same identifier, sequence number and data, which is what {@code ping}
 * and {@code ping -6} check. Requests to multicast groups are not answered. Other ICMP messages pass on. The
 * reply is an IP packet, framed by the link layer before the device (see {@link FrameResponder#send}).
 */
public final class IcmpEchoResponder extends FrameResponder {
    private volatile long repliesSent;

    /**
     * A responder for a host.
     *
     * @param host the addresses it answers on and from
     */
    public IcmpEchoResponder(HostAddresses host) {
        super(host);
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        return switch (inbound.kind()) {
            case ICMPV4 -> inbound.icmpv4().isEchoRequest() && host().isOurs(inbound.ipv4().destination());
            case ICMPV6 -> inbound.icmpv6().isEchoRequest()
                    && host().isOurs(inbound.ipv6().buffer(), inbound.ipv6().destinationOffset());
            default -> false;
        };
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        if (inbound.isIpv4()) {
            send(ctx, Frames.icmpEchoReply(ctx.alloc(), inbound.ipv4(), inbound.icmpv4()));
        } else {
            send(ctx, Ipv6Packets.echoReply(ctx.alloc(), inbound.ipv6(), inbound.icmpv6()));
        }
        repliesSent++;
    }

    /** {@return how many echo replies were sent, one per echo request answered} */
    public long repliesSent() {
        return repliesSent;
    }
}
