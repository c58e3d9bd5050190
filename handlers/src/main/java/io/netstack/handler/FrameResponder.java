package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import static java.util.Objects.requireNonNull;

/**
 * The skeleton of a handler that answers some of the {@link InboundFrame}s coming from a
 * {@link PacketDemultiplexer}: it consumes and releases the frames {@link #accepts} selects, passes every other
 * message on untouched, and batches its answers into one flush per read loop.
 *
 * <p>What a responder {@link #send sends} depends on its layer. A link-layer responder ({@link ArpResponder}) writes
 * whole frames and sits on the device's side of the link layer's outbound handler. An IP-layer responder
 * ({@link IcmpEchoResponder}, {@link UdpServices}, {@link UnreachableResponder}) writes IP packets, as the IP-layer
 * builders of {@code io.netstack.wire.Frames} make them (the packet at the reader index,
 * {@code Frames.LINK_HEADROOM} free bytes before it), and sits after the link layer's outbound handler, which frames
 * them: an {@link EthernetFramer} on an Ethernet link, none on a TUN device, which takes the packets as they are.
 */
public abstract class FrameResponder extends ChannelInboundHandlerAdapter {
    private final HostAddresses host;
    /** Between a read loop's first {@code channelRead} and its {@code channelReadComplete}. */
    private boolean reading;
    private boolean flushPending;

    /**
     * A responder for a host.
     *
     * @param host the addresses the subclass answers for and from
     */
    protected FrameResponder(HostAddresses host) {
        this.host = requireNonNull(host, "host");
    }

    /** {@return the addresses this handler answers for and from} */
    protected final HostAddresses host() {
        return host;
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (msg instanceof InboundFrame inbound && accepts(inbound)) {
            try {
                respond(ctx, inbound);
            } finally {
                inbound.release();
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Whether this handler consumes a frame; the others are passed on to the next handler. Called on the event
     * loop for every {@link InboundFrame}, so it should decide from the frame's views without allocating.
     *
     * @param inbound a decoded frame
     * @return {@code true} to have {@link #respond} handle and then release it
     */
    protected abstract boolean accepts(InboundFrame inbound);

    /**
     * Handles a frame {@link #accepts} selected, typically by {@link #send sending} an answer. The frame is
     * released afterwards, so its views must not be used once this returns.
     *
     * @param ctx     the context of this handler, to write answers through
     * @param inbound the frame; this class releases it
     */
    protected abstract void respond(ChannelHandlerContext ctx, InboundFrame inbound);

    /**
     * Writes {@code frame} without a promise; it is flushed at the end of the read loop. A failed write is reported
     * through {@code exceptionCaught}.
     *
     * @param ctx   the context of this handler
     * @param frame a frame or an IP packet, as the class comment says, which the pipeline then owns
     */
    protected final void send(ChannelHandlerContext ctx, ByteBuf frame) {
        ctx.write(frame, ctx.voidPromise());
        flushPending = true;
    }

    /**
     * Flushes what was written through {@code ctx}: at the end of the read loop under way, so that the answers of
     * one loop share a flush, or now if no loop is under way.
     *
     * @param ctx this handler's context
     */
    protected final void flushAfterRead(ChannelHandlerContext ctx) {
        if (reading) {
            flushPending = true;
        } else {
            ctx.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }
}
