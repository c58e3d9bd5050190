package io.netstack.handler;

import io.netstack.handler.tcp.CongestionControl;
import io.netstack.handler.tcp.TcpConnection;
import io.netstack.handler.tcp.TcpEvents;
import io.netstack.handler.tcp.TcpConnections;
import io.netstack.handler.tcp.TcpLink;
import io.netstack.handler.tcp.TcpSettings;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The host's TCP: the segments to its addresses go to their {@link TcpConnection}; a SYN to a listening port opens
 * one, and when its handshake completes it becomes a {@link TcpChannel} whose pipeline the port's handler initializes,
 * as a server socket channel's child is by its {@code childHandler}; segments for no connection are answered with a
 * reset. The connections' packets go out through the host's IP layer, and their timers run on the host's loop.
 */
public final class TcpServices extends ChildChannelMultiplexer implements TcpLink {
    /** The device MTU the MSS is derived from, Ethernet's and the kernel's default for TAP and TUN devices. */
    static final int DEFAULT_MTU = 1500;
    private static final int TCP_HEADER_LENGTH = 20;
    /** Linux's {@code ip_local_port_range}. */
    private static final int FIRST_EPHEMERAL_PORT = 32768;
    private static final int LAST_EPHEMERAL_PORT = 60999;
    /** Any address of each version, to choose the settings by. */
    private static final InetSocketAddress IPV4 = new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0);
    private static final InetSocketAddress IPV6 = new InetSocketAddress(InetAddress.ofLiteral("::"), 0);

    private final IntObjectMap<ChannelHandler> listeners = new IntObjectHashMap<>();
    private final Supplier<CongestionControl> congestionControl;
    private final long timeWaitMillis;
    private ChannelHandlerContext ctx;
    private TcpConnections connections;
    private volatile long segmentsReceived;
    private volatile long segmentsSent;

    /**
     * The TCP of a host.
     *
     * @param host           the host's addresses
     * @param listeners      the handler initializing each accepted connection's channel, by port
     * @param timeWaitMillis    how long a connection stays in TIME-WAIT
     * @param congestionControl makes each connection's congestion controller
     * @param drops             where what cannot be sent is counted
     * @throws IllegalArgumentException if a port is not within 1..65535
     */
    TcpServices(HostAddresses host, Map<Integer, ChannelHandler> listeners, long timeWaitMillis,
                Supplier<CongestionControl> congestionControl, DropCounters drops) {
        super(host, drops);
        listeners.forEach((port, handler) -> {
            if (port <= 0 || port > 0xffff) {
                throw new IllegalArgumentException("TCP port not within 1..65535: " + port);
            }
            this.listeners.put(port, requireNonNull(handler, "handler"));
        });
        this.timeWaitMillis = timeWaitMillis;
        this.congestionControl = requireNonNull(congestionControl, "congestionControl");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        connections = new TcpConnections(this, TcpConnections.DEFAULT_SYN_BACKLOG);
    }

    /** The host's channel closed: its children close, and the connections still finishing are discarded. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        super.channelInactive(ctx);
        connections.discardAll();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        super.handlerRemoved(ctx);
        connections.discardAll();
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        return isForHost(inbound, InboundFrame.Kind.TCP);
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        segmentsReceived++;
        IpPacket ip = inbound.headers().ip();
        TcpSegment tcp = inbound.headers().tcp();
        TcpConnection connection = connections.find(ip, tcp);
        if (connection != null) {
            connection.receive(tcp);
            return;
        }
        ChannelHandler listener = listeners.get(tcp.destinationPort());
        if (listener != null && (tcp.flags() & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) == TcpSegment.SYN) {
            Acceptor acceptor = new Acceptor(listener);
            acceptor.connection = connections.acceptSyn(ip, tcp, settings(ip instanceof Ipv6Packet ? IPV6 : IPV4),
                    acceptor);
        } else {
            connections.refuse(ip, tcp);
        }
    }

    private TcpSettings settings(InetSocketAddress remote) {
        int ipHeader = remote.getAddress() instanceof Inet6Address ? Ipv6Packet.HEADER_LENGTH
                : Ipv4Packet.MIN_HEADER_LENGTH;
        return new TcpSettings(TcpSettings.DEFAULT_RECEIVE_BUFFER, TcpSettings.DEFAULT_SEND_BUFFER, true,
                timeWaitMillis, DEFAULT_MTU - ipHeader - TCP_HEADER_LENGTH, congestionControl);
    }

    /** Makes the channel of a connection whose handshake completed. */
    private final class Acceptor implements TcpEvents {
        private final ChannelHandler listener;
        private TcpConnection connection;

        Acceptor(ChannelHandler listener) {
            this.listener = listener;
        }

        @Override
        public void established() {
            TcpChannel channel = new TcpChannel(TcpServices.this, ctx, connection.flow().remote());
            channel.pipeline().addLast(listener);
            channel.attach(connection);
            register(ctx, channel);
        }
    }

    /**
     * Opens a connection from the host to {@code remote}, from the host's first address of its version and a free
     * ephemeral port, as a {@link TcpChannel} whose pipeline {@code handler} initializes, as a bootstrap's handler
     * does. Call it once the host's channel is active.
     *
     * @param remote  the peer's address and port
     * @param handler the handler the channel is initialized with
     * @return the channel's connect future: done when the handshake completed, failed with the reason it did not
     *         (refused, timed out) or with an {@link IllegalStateException} if the host has no address of the
     *         peer's version or is not active
     */
    public ChannelFuture connect(InetSocketAddress remote, ChannelHandler handler) {
        requireNonNull(remote, "remote");
        requireNonNull(handler, "handler");
        if (ctx == null || !ctx.channel().isActive()) {
            throw new IllegalStateException("the host's channel is not active yet: connect from its channelActive on");
        }
        TcpChannel channel = new TcpChannel(this, ctx, remote);
        channel.pipeline().addLast(handler);
        ChannelPromise promise = channel.newPromise();
        if (ctx.executor().inEventLoop()) {
            open(channel, promise);
        } else {
            ctx.executor().execute(() -> open(channel, promise));
        }
        return promise;
    }

    private void open(TcpChannel channel, ChannelPromise promise) {
        InetSocketAddress remote = channel.remoteAddress();
        InetSocketAddress local;
        try {
            local = ephemeral(remote);
        } catch (IllegalStateException e) {
            promise.setFailure(e);
            return;
        }
        register(ctx, channel);
        channel.connecting(promise);
        channel.attach(connections.connect(local, remote, settings(remote), channel.events()));
        flushAfterRead(ctx);
    }

    /** A local end for a connection to {@code remote}: Linux's ephemeral ports, from a random one on. */
    private InetSocketAddress ephemeral(InetSocketAddress remote) {
        InetAddress address = remote.getAddress() instanceof Inet4Address
                ? host().ipv4Addresses().stream().findFirst().map(Ipv4Address::toInetAddress).orElse(null)
                : host().ipv6Addresses().stream().findFirst().map(Ipv6Address::toInetAddress).orElse(null);
        if (address == null) {
            throw new IllegalStateException("the host has no address of the version of " + remote);
        }
        int range = LAST_EPHEMERAL_PORT - FIRST_EPHEMERAL_PORT + 1;
        int start = ThreadLocalRandom.current().nextInt(range);
        for (int i = 0; i < range; i++) {
            InetSocketAddress local = new InetSocketAddress(address, FIRST_EPHEMERAL_PORT + (start + i) % range);
            if (!connections.exists(local, remote)) {
                return local;
            }
        }
        throw new IllegalStateException("every ephemeral port to " + remote + " is in use");
    }

    /** {@return the host's connections: their number, backlog and the counters of those gone} */
    public TcpConnections connections() {
        return connections;
    }

    /** {@return the segments to the host's addresses taken, by a connection, a listener or for a reset} */
    public long segmentsReceived() {
        return segmentsReceived;
    }

    /** {@return the segments the host's TCP wrote towards the device, resets to closed ports included} */
    public long segmentsSent() {
        return segmentsSent;
    }

    // ---- the link of the connections

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public void send(ByteBuf packet) {
        segmentsSent++;
        writePacket(ctx, packet, ctx.voidPromise());
        flushAfterRead(ctx);
    }

    @Override
    public long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return ctx.executor().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void closed(TcpConnection connection) {
        connections.forget(connection);
    }
}
