package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The handler in the host's pipeline that its {@link HostChildChannel}s hang off: it registers them on the parent's
 * event loop, activates them when the parent is active, closes them when it closes, passes writability changes and
 * the end of each read loop on to them, and writes their packets towards the device.
 *
 * <p>Subclasses decide which frames are whose, in {@link #accepts} and {@link #respond}, and
 * {@link HostChildChannel#deliver deliver} messages to the children.
 */
abstract class ChildChannelMultiplexer extends FrameResponder {
    private final List<HostChildChannel> children = new ArrayList<>();
    /** The children that read in the read loop under way, to end it for them. */
    private final List<HostChildChannel> readers = new ArrayList<>();
    private final DropCounters drops;

    /**
     * @param host  the host's addresses
     * @param drops where messages the children could not send are counted
     */
    ChildChannelMultiplexer(HostAddresses host, DropCounters drops) {
        super(host);
        this.drops = requireNonNull(drops, "drops");
    }

    /**
     * Registers {@code child} on the parent's loop and activates it if the parent is active; its pipeline holds the
     * user's handler already.
     *
     * @param ctx   this handler's context
     * @param child a new child of {@code ctx}'s channel
     */
    final void register(ChannelHandlerContext ctx, HostChildChannel child) {
        children.add(child);
        ctx.channel().eventLoop().register(child).addListener(registered -> {
            if (!registered.isSuccess()) {
                ctx.fireExceptionCaught(registered.cause());
            } else if (ctx.channel().isActive()) {
                child.activate();
            }
        });
    }

    /** {@return whether {@code inbound} is of {@code kind} and addressed to one of the host's addresses} */
    final boolean isForHost(InboundFrame inbound, InboundFrame.Kind kind) {
        if (inbound.kind() != kind) {
            return false;
        }
        return inbound.isIpv4()
                ? host().isOurs(inbound.ipv4().destination())
                : host().isOurs(inbound.ipv6().buffer(), inbound.ipv6().destinationOffset());
    }

    /** A child read in the read loop under way: it gets {@code channelReadComplete} at the loop's end. */
    final void childRead(HostChildChannel child) {
        readers.add(child);
    }

    /** A child closed: it is no longer activated, closed or read for. */
    final void childClosed(HostChildChannel child) {
        children.remove(child);
    }

    /** A message written to a child could not be made into a packet; its write failed. */
    final void unsendable() {
        drops.increment(OutboundDrop.UNSENDABLE);
    }

    /**
     * Writes a child's IP packet towards the device, through the host's link layer, which frames it or fails
     * {@code promise} when it cannot.
     */
    final void writePacket(ChannelHandlerContext ctx, ByteBuf packet, ChannelPromise promise) {
        ctx.write(packet, promise);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        for (HostChildChannel child : List.copyOf(children)) {
            child.activate();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeChildren();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) {
        // A parent closed without ever being active has no channelInactive.
        closeChildren();
        ctx.fireChannelUnregistered();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closeChildren();
    }

    private void closeChildren() {
        for (HostChildChannel child : List.copyOf(children)) {
            child.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        for (HostChildChannel child : List.copyOf(children)) {
            child.pipeline().fireChannelWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Ends the read loop for the children that read in it, then flushes what they and this handler wrote. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (int i = 0; i < readers.size(); i++) {
            readers.get(i).readComplete();
        }
        readers.clear();
        super.channelReadComplete(ctx);
    }
}
