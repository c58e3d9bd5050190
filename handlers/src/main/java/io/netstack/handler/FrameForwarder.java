package io.netstack.handler;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Writes every message its channel reads into a peer channel, flushing once per read batch: half of a userspace
 * bridge or forwarder between two devices. Install one on each channel, each pointing at the other, and put both
 * channels on the same event loop, so that a write is a plain call rather than a task handed across threads.
 *
 * <p>Backpressure: when the peer stops being writable after a flush, this channel stops reading; the peer's
 * forwarder turns reading back on when the peer drains ({@code channelWritabilityChanged}). Writes use the void
 * promise, so a frame the peer refuses surfaces as an exception in the peer's pipeline, not as garbage here.
 */
public final class FrameForwarder extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    /**
     * A forwarder into {@code peer}.
     *
     * @param peer the channel the frames are written to, best on the same event loop as this handler's channel
     */
    public FrameForwarder(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelReadComplete();
    }

    /** This channel drained: the peer, which reads into it, may read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !peer.config().isAutoRead()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }
}
