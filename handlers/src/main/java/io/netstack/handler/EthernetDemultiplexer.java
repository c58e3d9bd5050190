package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import static java.util.Objects.requireNonNull;

/**
 * Decodes each inbound Ethernet frame once and passes it on as an {@link InboundFrame}, classified by EtherType and
 * IP protocol, for the handlers after it to dispatch on.
 *
 * <h2>How handlers share the decoded views</h2>
 * The pipeline stays linear: this handler replaces each {@link ByteBuf} frame by an {@link InboundFrame} that holds
 * the frame and views already validated down to ARP, ICMP or UDP. Each handler after it checks
 * {@link InboundFrame#kind()} and the fields it cares about, consumes (and releases) the frames it answers and
 * passes on the others, so no handler parses a header again. The {@code InboundFrame} and its views belong to this
 * handler and are re-pointed at each frame, which is what keeps the receive path free of allocation; the price is
 * that a handler must not keep the {@code InboundFrame} beyond its {@code channelRead}.
 *
 * <p>Malformed frames stop here: they are counted in {@link DropCounters} under their {@link DecodeError} and
 * released. Messages other than {@code ByteBuf} pass through untouched.
 */
public final class EthernetDemultiplexer extends ChannelInboundHandlerAdapter {
    private final InboundFrame inbound = new InboundFrame();
    private final DropCounters drops;

    public EthernetDemultiplexer(DropCounters drops) {
        this.drops = requireNonNull(drops, "drops");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        DecodeError error = inbound.decode(frame);
        if (error != null) {
            drops.increment(error);
            frame.release();
            return;
        }
        ctx.fireChannelRead(inbound);
    }
}
