package io.netstack.handler;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The UDP ports of a host, each bound to a service: takes the UDP datagrams sent over IPv4 to one of the host's
 * addresses and reads each on the {@link UdpServiceChannel} of its destination port. When the parent channel is
 * registered, it makes that channel for every service and initializes its pipeline with the service's handler.
 *
 * <p>A datagram to a port without a service, or whose channel was closed, is passed on to the next handler, the
 * host's {@link UnreachableResponder}, which answers it with a port unreachable and counts it as dropped.
 */
public final class UdpServices extends ChildChannelMultiplexer {
    private static final int MAX_PORT = 0xffff;

    private final IntObjectMap<ChannelHandler> handlers = new IntObjectHashMap<>();
    private final IntObjectMap<UdpServiceChannel> channels = new IntObjectHashMap<>();
    private volatile long datagramsRead;

    /**
     * The services of a host.
     *
     * @param host     the host's addresses
     * @param services the handler initializing each port's channel, by port
     * @param drops    where datagrams the services could not send are counted
     * @throws IllegalArgumentException if a port is not within 1..65535
     */
    UdpServices(HostAddresses host, Map<Integer, ChannelHandler> services, DropCounters drops) {
        super(host, drops);
        services.forEach((port, handler) -> {
            if (port <= 0 || port > MAX_PORT) {
                throw new IllegalArgumentException("UDP port not within 1..65535: " + port);
            }
            handlers.put(port, requireNonNull(handler, "handler"));
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        for (IntObjectMap.PrimitiveEntry<ChannelHandler> service : handlers.entries()) {
            UdpServiceChannel channel = new UdpServiceChannel(this, ctx, host(), service.key());
            channel.pipeline().addLast(service.value());
            channels.put(service.key(), channel);
            register(ctx, channel);
        }
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        return isForHost(inbound, InboundFrame.Kind.UDP);
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        UdpServiceChannel channel = channels.get(inbound.udp().destinationPort());
        if (channel == null || !channel.isActive()) {
            unboundPort(ctx, inbound);
            return;
        }
        channel.read(inbound);
        datagramsRead++;
    }

    /**
     * Passes a datagram to one of the host's addresses on a port without a service on to the next handler, which
     * answers and counts it.
     *
     * @param ctx     this handler's context
     * @param inbound the datagram, released by this handler after this returns, so retained for the next one
     */
    private static void unboundPort(ChannelHandlerContext ctx, InboundFrame inbound) {
        ctx.fireChannelRead(inbound.retain());
    }

    /**
     * The channel of a port's service, for writing to it from outside its pipeline, e.g. from another channel.
     *
     * @param port the port
     * @return the channel, or {@code null} if the port has no service or the parent channel is not registered yet
     */
    public UdpServiceChannel channel(int port) {
        return channels.get(port);
    }

    /** {@return the datagrams read on the services' channels} */
    public long datagramsRead() {
        return datagramsRead;
    }
}
