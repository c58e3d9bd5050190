package io.netstack.handler;

import io.netstack.handler.tcp.CongestionControl;
import io.netstack.handler.tcp.NewReno;
import io.netstack.handler.tcp.TcpConnection;
import io.netstack.handler.tcp.TcpEvents;
import io.netstack.handler.tcp.TcpConnections;
import io.netstack.handler.tcp.TcpLink;
import io.netstack.handler.tcp.TcpSettings;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

import java.util.Map;
import java.util.concurrent.ScheduledFuture;
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
     * @param timeWaitMillis how long a connection stays in TIME-WAIT
     * @param drops          where what cannot be sent is counted
     * @throws IllegalArgumentException if a port is not within 1..65535
     */
    TcpServices(HostAddresses host, Map<Integer, ChannelHandler> listeners, long timeWaitMillis, DropCounters drops) {
        super(host, drops);
        listeners.forEach((port, handler) -> {
            if (port <= 0 || port > 0xffff) {
                throw new IllegalArgumentException("TCP port not within 1..65535: " + port);
            }
            this.listeners.put(port, requireNonNull(handler, "handler"));
        });
        this.timeWaitMillis = timeWaitMillis;
        this.congestionControl = NewReno::new;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        connections = new TcpConnections(this, TcpConnections.DEFAULT_SYN_BACKLOG);
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        if (inbound.kind() != InboundFrame.Kind.TCP) {
            return false;
        }
        return inbound.isIpv4()
                ? host().isOurs(inbound.ipv4().destination())
                : host().isOurs(inbound.ipv6().buffer(), inbound.ipv6().destinationOffset());
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
            acceptor.connection = connections.acceptSyn(ip, tcp, settings(ip), acceptor);
        } else {
            connections.refuse(ip, tcp);
        }
    }

    private TcpSettings settings(IpPacket ip) {
        int ipHeader = ip instanceof Ipv6Packet ? Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH;
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
            TcpChannel channel = new TcpChannel(TcpServices.this, ctx, connection.flow().local(),
                    connection.flow().remote());
            channel.pipeline().addLast(listener);
            channel.attach(connection);
            register(ctx, channel);
        }
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
