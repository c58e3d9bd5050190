package io.netstack.handler.tcp;

import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The four numbers that name a connection: the peer's address and port, this host's address and port, IPv4 addresses
 * in the low half. A table keeps one per connection; a lookup fills one probe in place from a received segment, so
 * that finding a connection allocates nothing.
 */
final class FlowKey {
    private long remoteHigh;
    private long remoteLow;
    private long localHigh;
    private long localLow;
    private int ports;

    /** Fills this key from a received segment: the peer is its source. */
    FlowKey set(IpPacket ip, TcpSegment tcp) {
        switch (ip) {
            case Ipv4Packet ipv4 -> {
                remoteHigh = 0;
                remoteLow = Integer.toUnsignedLong(ipv4.source());
                localHigh = 0;
                localLow = Integer.toUnsignedLong(ipv4.destination());
            }
            case Ipv6Packet ipv6 -> {
                ByteBuf buf = ipv6.buffer();
                remoteHigh = Ipv6Address.readHigh(buf, ipv6.sourceOffset());
                remoteLow = Ipv6Address.readLow(buf, ipv6.sourceOffset());
                localHigh = Ipv6Address.readHigh(buf, ipv6.destinationOffset());
                localLow = Ipv6Address.readLow(buf, ipv6.destinationOffset());
            }
        }
        ports = tcp.destinationPort() << 16 | tcp.sourcePort();
        return this;
    }

    /** Fills this key from the two ends of a connection this host opens. */
    FlowKey set(InetSocketAddress local, InetSocketAddress remote) {
        long[] localHalves = halves(local.getAddress());
        long[] remoteHalves = halves(remote.getAddress());
        localHigh = localHalves[0];
        localLow = localHalves[1];
        remoteHigh = remoteHalves[0];
        remoteLow = remoteHalves[1];
        ports = local.getPort() << 16 | remote.getPort();
        return this;
    }

    private static long[] halves(InetAddress address) {
        return switch (address) {
            case Inet4Address ipv4 -> new long[]{0, Integer.toUnsignedLong(Ipv4Address.of(ipv4).value())};
            case Inet6Address ipv6 -> {
                Ipv6Address parsed = Ipv6Address.of(ipv6);
                yield new long[]{parsed.high(), parsed.low()};
            }
            default -> throw new IllegalArgumentException("not an IP address: " + address);
        };
    }

    /** {@return a key of its own with this one's numbers, to keep in a table} */
    FlowKey copy() {
        FlowKey copy = new FlowKey();
        copy.remoteHigh = remoteHigh;
        copy.remoteLow = remoteLow;
        copy.localHigh = localHigh;
        copy.localLow = localLow;
        copy.ports = ports;
        return copy;
    }

    /** {@return the 36 bytes RFC 6528's hash covers: both addresses and both ports} */
    byte[] bytes() {
        byte[] bytes = new byte[4 * Long.BYTES + Integer.BYTES];
        long[] words = {localHigh, localLow, remoteHigh, remoteLow};
        for (int i = 0; i < words.length; i++) {
            for (int b = 0; b < Long.BYTES; b++) {
                bytes[i * Long.BYTES + b] = (byte) (words[i] >>> (56 - 8 * b));
            }
        }
        for (int b = 0; b < Integer.BYTES; b++) {
            bytes[4 * Long.BYTES + b] = (byte) (ports >>> (24 - 8 * b));
        }
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey other && ports == other.ports && remoteLow == other.remoteLow
                && remoteHigh == other.remoteHigh && localLow == other.localLow && localHigh == other.localHigh;
    }

    @Override
    public int hashCode() {
        long h = remoteLow * 31 + remoteHigh;
        h = h * 31 + localLow;
        h = h * 31 + localHigh;
        h = h * 31 + ports;
        return (int) (h ^ h >>> 32);
    }
}
