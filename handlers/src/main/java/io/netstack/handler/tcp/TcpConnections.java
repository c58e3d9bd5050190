package io.netstack.handler.tcp;

import io.netstack.wire.IpHeader;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Header;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.TcpSegments;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;

/**
 * The TCP connections of one host, by the four numbers of each: segments find theirs here, SYNs to a listening port
 * open one, and segments for none are answered with a reset (RFC 9293 section 3.10.7.1). At most
 * {@link #synBacklog()} connections wait in SYN-RECEIVED at a time: SYNs beyond that are dropped and counted, so that a
 * SYN flood costs bounded memory and leaves established connections alone.
 *
 * <p>Used from the host's event loop.
 */
public final class TcpConnections {
    /** Linux's {@code tcp_max_syn_backlog} default for a small machine. */
    public static final int DEFAULT_SYN_BACKLOG = 256;

    private final TcpLink link;
    private final int synBacklog;
    private final HashMap<FlowKey, TcpConnection> table = new HashMap<>();
    private final HashMap<TcpConnection, FlowKey> keys = new HashMap<>();
    private final FlowKey probe = new FlowKey();
    private final InitialSequenceNumbers initialSequenceNumbers = new InitialSequenceNumbers();
    private final TcpCounters closedCounters = new TcpCounters();
    private final TcpOptions synOptions = new TcpOptions();
    private int halfOpen;
    private long synsDropped;
    private long resetsToClosedPorts;

    /**
     * The connections of a host.
     *
     * @param link       how they send, and hear the time
     * @param synBacklog the most connections in SYN-RECEIVED at a time
     */
    public TcpConnections(TcpLink link, int synBacklog) {
        this.link = link;
        this.synBacklog = synBacklog;
    }

    /**
     * {@return the connection a received segment belongs to, or {@code null}}
     *
     * @param ip  the segment's IP packet
     * @param tcp the segment
     */
    public TcpConnection find(IpPacket ip, TcpSegment tcp) {
        return table.get(probe.set(ip, tcp));
    }

    /**
     * Opens a connection for a SYN to a listening port, which answers it with a SYN-ACK, unless the backlog is full.
     *
     * @param ip       the SYN's IP packet
     * @param syn      the SYN, without ACK or RST
     * @param settings the new connection's settings
     * @param embryo   what hears of the connection until it has a channel: its {@code established} makes one
     * @return the connection, or {@code null} if the SYN was dropped
     */
    public TcpConnection acceptSyn(IpPacket ip, TcpSegment syn, TcpSettings settings, TcpEvents embryo) {
        if (halfOpen >= synBacklog) {
            synsDropped++;
            return null;
        }
        FlowKey key = probe.set(ip, syn).copy();
        TcpFlow flow = new TcpFlow(IpHeader.replyTo(ip, Ipv4Packet.PROTOCOL_TCP),
                new InetSocketAddress(address(ip, false), syn.destinationPort()),
                new InetSocketAddress(address(ip, true), syn.sourcePort()));
        TcpConnection connection = new TcpConnection(link, flow, settings, new TcpCounters(),
                initialSequenceNumbers.next(key, System.nanoTime()));
        table.put(key, connection);
        keys.put(connection, key);
        halfOpen++;
        connection.acceptSyn(syn, synOptions.read(syn), new HalfOpen(connection, embryo));
        return connection;
    }

    /**
     * Opens a connection from {@code local} to {@code remote}: a SYN goes out (RFC 9293 section 3.10.1).
     *
     * @param local    this host's address and a port no connection to {@code remote} uses
     * @param remote   the peer
     * @param settings the connection's settings
     * @param user     what hears of the connection: its channel
     * @return the connection, in SYN-SENT
     * @throws IllegalStateException if a connection of these four numbers exists
     */
    public TcpConnection connect(InetSocketAddress local, InetSocketAddress remote, TcpSettings settings,
                                 TcpEvents user) {
        FlowKey key = probe.set(local, remote).copy();
        if (table.containsKey(key)) {
            throw new IllegalStateException("a connection " + local + " -> " + remote + " exists");
        }
        TcpConnection connection = new TcpConnection(link, new TcpFlow(header(local, remote), local, remote),
                settings, new TcpCounters(), initialSequenceNumbers.next(key, System.nanoTime()));
        table.put(key, connection);
        keys.put(connection, key);
        connection.connect(user);
        return connection;
    }

    /**
     * {@return whether a connection of these four numbers exists}
     *
     * @param local  this host's end
     * @param remote the peer's end
     */
    public boolean exists(InetSocketAddress local, InetSocketAddress remote) {
        return table.containsKey(probe.set(local, remote));
    }

    private static IpHeader header(InetSocketAddress local, InetSocketAddress remote) {
        if (local.getAddress() instanceof Inet4Address from && remote.getAddress() instanceof Inet4Address to) {
            return Ipv4Header.of(Ipv4Address.of(from).value(), Ipv4Address.of(to).value(), Ipv4Packet.PROTOCOL_TCP);
        }
        if (local.getAddress() instanceof Inet6Address from && remote.getAddress() instanceof Inet6Address to) {
            return Ipv6Header.of(Ipv6Address.of(from), Ipv6Address.of(to), Ipv4Packet.PROTOCOL_TCP);
        }
        throw new IllegalArgumentException("addresses of different versions: " + local + " -> " + remote);
    }

    private static InetAddress address(IpPacket ip, boolean source) {
        return switch (ip) {
            case Ipv4Packet ipv4 -> (source ? ipv4.sourceAddress() : ipv4.destinationAddress()).toInetAddress();
            case Ipv6Packet ipv6 -> source ? ipv6.sourceAddress() : ipv6.destinationAddress();
        };
    }

    /** Counts a connection out of SYN-RECEIVED, whichever way it left. */
    private final class HalfOpen implements TcpEvents {
        private final TcpConnection connection;
        private final TcpEvents embryo;
        private boolean counted = true;

        HalfOpen(TcpConnection connection, TcpEvents embryo) {
            this.connection = connection;
            this.embryo = embryo;
        }

        private void leave() {
            if (counted) {
                counted = false;
                halfOpen--;
            }
        }

        @Override
        public void established() {
            leave();
            connection.events(embryo);
            embryo.established();
        }

        @Override
        public void failed(IOException cause) {
            leave();
        }

        @Override
        public void terminated() {
            leave();
        }
    }

    /**
     * Answers a segment that belongs to no connection and opens none with a reset, unless it is a reset itself
     * (RFC 9293 section 3.10.7.1).
     *
     * @param ip  the segment's IP packet
     * @param tcp the segment
     */
    public void refuse(IpPacket ip, TcpSegment tcp) {
        int flags = tcp.flags();
        if ((flags & TcpSegment.RST) != 0) {
            return;
        }
        IpHeader header = IpHeader.replyTo(ip, Ipv4Packet.PROTOCOL_TCP);
        ByteBuf packet;
        if ((flags & TcpSegment.ACK) != 0) {
            packet = TcpSegments.start(link.alloc(), header, tcp.destinationPort(), tcp.sourcePort(),
                    tcp.acknowledgmentNumber(), 0, TcpSegment.RST, 0, 0, 0);
        } else {
            int length = tcp.payloadLength() + ((flags & TcpSegment.SYN) != 0 ? 1 : 0)
                    + ((flags & TcpSegment.FIN) != 0 ? 1 : 0);
            packet = TcpSegments.start(link.alloc(), header, tcp.destinationPort(), tcp.sourcePort(), 0,
                    tcp.sequenceNumber() + length, TcpSegment.RST | TcpSegment.ACK, 0, 0, 0);
        }
        TcpSegments.finish(packet, header);
        resetsToClosedPorts++;
        link.send(packet);
    }

    /**
     * Forgets a connection that is gone; its counters join the host's.
     *
     * @param connection the connection
     */
    public void forget(TcpConnection connection) {
        FlowKey key = keys.remove(connection);
        if (key != null) {
            table.remove(key);
            closedCounters.add(connection.counters());
        }
    }

    /**
     * Forgets every connection without a word to the peers: the host's channel is gone, and with it the way to
     * them. Their buffers and timers are released, and their channels hear they terminated.
     */
    public void discardAll() {
        for (TcpConnection connection : List.copyOf(table.values())) {
            connection.terminate();
        }
    }

    /** {@return the connections in the table, in any state but CLOSED} */
    public int size() {
        return table.size();
    }

    /** {@return the connections in SYN-RECEIVED} */
    public int halfOpen() {
        return halfOpen;
    }

    /** {@return the most connections in SYN-RECEIVED at a time} */
    public int synBacklog() {
        return synBacklog;
    }

    /** {@return the SYNs dropped because the backlog was full} */
    public long synsDropped() {
        return synsDropped;
    }

    /** {@return the resets sent for segments that belonged to no connection} */
    public long resetsToClosedPorts() {
        return resetsToClosedPorts;
    }

    /** {@return the counters of the connections gone, summed; those of open ones are theirs} */
    public TcpCounters closedConnectionCounters() {
        return closedCounters;
    }
}
