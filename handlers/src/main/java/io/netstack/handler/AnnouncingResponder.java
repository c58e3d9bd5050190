package io.netstack.handler;

import io.netty.channel.ChannelHandlerContext;

/**
 * A responder of a neighbour protocol (ARP, NDP) that announces the host's addresses once, when the channel becomes
 * active or when it is added to an active channel, so that the kernel's neighbour table knows the host before the
 * first packet.
 */
abstract class AnnouncingResponder extends FrameResponder {
    private boolean announced;

    AnnouncingResponder(HostAddresses host) {
        super(host);
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            announceOnce(ctx);
        }
    }

    @Override
    public final void channelActive(ChannelHandlerContext ctx) {
        announceOnce(ctx);
        ctx.fireChannelActive();
    }

    private void announceOnce(ChannelHandlerContext ctx) {
        if (!announced) {
            announced = true;
            announce(ctx);
            ctx.flush();
        }
    }

    /**
     * Writes the announcements of the host's addresses; they are flushed afterwards.
     *
     * @param ctx this handler's context
     */
    abstract void announce(ChannelHandlerContext ctx);
}
