package io.netstack.handler;

import io.netstack.wire.Frames;
import io.netty.channel.ChannelHandlerContext;

/**
 * Answers ICMP echo requests (RFC 792) sent to one of the host's IPv4 addresses with an echo reply carrying the
 * same identifier, sequence number and data, which is what {@code ping} checks. Other ICMP messages pass on. The
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
        return inbound.kind() == InboundFrame.Kind.ICMPV4
                && inbound.icmpv4().isEchoRequest()
                && host().isOurs(inbound.ipv4().destination());
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        send(ctx, Frames.icmpEchoReply(ctx.alloc(), inbound.ipv4(), inbound.icmpv4()));
        repliesSent++;
    }

    /** {@return how many echo replies were sent, one per echo request answered} */
    public long repliesSent() {
        return repliesSent;
    }
}
