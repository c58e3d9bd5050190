package io.netstack.handler;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import static java.util.Objects.requireNonNull;

/**
 * The last stop for the {@link InboundFrame}s no handler took: counts each in {@link DropCounters} by its
 * {@link InboundFrame.Kind} and releases it, so that a host accounts for every frame it drops. Other messages pass
 * on to the pipeline's tail.
 */
public final class UnhandledFrameCounter extends ChannelInboundHandlerAdapter {
    private final DropCounters drops;

    /**
     * A counter that adds to {@code drops}; put it last in the pipeline, after every handler that takes frames.
     *
     * @param drops where the frames are counted, usually the counters the {@link PacketDemultiplexer} shares
     */
    public UnhandledFrameCounter(DropCounters drops) {
        this.drops = requireNonNull(drops, "drops");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof InboundFrame inbound) {
            drops.increment(inbound.kind());
            inbound.release();
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
