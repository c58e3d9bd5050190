package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.NoRouteToHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The outbound half of a host's Ethernet link: makes frames of the IP packets that the IP-layer handlers after it
 * write, addressed to the next hop's MAC address.
 *
 * <h2>What it takes</h2>
 * Each {@link ByteBuf} written through it is one IPv4 or IPv6 packet at its reader index, as the IP-layer
 * builders of {@link Frames} and {@link Ipv6Packets} make them, with {@link Frames#LINK_HEADROOM} bytes before it
 * that belong to the writer: the Ethernet header goes there, in place, so that framing neither copies nor
 * allocates. A packet without that headroom, or in a read-only buffer, is copied once into a new frame instead.
 * Messages of other types pass untouched, and so do the ARP and NDP frames of an {@link ArpResponder} and an
 * {@link NdpResponder}, which sit on the device's side of this handler.
 *
 * <h2>Next hops</h2>
 * The host has no routes: every destination is on the link and is sent to directly. The limited broadcast address
 * goes to the broadcast MAC address, IPv4 multicast groups to their RFC 1112 MAC addresses and IPv6 ones to
 * {@code 33:33} and their low 32 bits (RFC 2464 section 7); a unicast destination is looked up in the
 * {@link NeighbourCache} that the ARP and NDP responders fill. An unknown one is resolved as the kernel does: up to
 * {@link #MAX_QUEUED_PER_NEIGHBOUR} packets wait for it while {@link #ARP_REQUESTS} requests go out
 * {@link #RETRANSMIT_MILLIS} apart, broadcast ARP requests for IPv4 and Neighbor Solicitations to the solicited-node
 * multicast address for IPv6; the packets are sent at the end of the read that brings the answer, or
 * dropped when the last request goes unanswered. Every packet dropped is counted in {@link DropCounters} by its
 * {@link OutboundDrop} reason, and a promise other than a void one fails with a {@link NoRouteToHostException}.
 *
 * <p>A packet of neither version, and one to resolve from a host without an address of its version to ask from, is
 * dropped as {@link OutboundDrop#NO_LINK_ADDRESS}. Use it from the channel's event loop; counters are volatile so
 * that other threads read current values.
 */
public final class EthernetFramer extends ChannelDuplexHandler {
    /** Requests, ARP or Neighbor Solicitations, sent for one next hop before giving up: {@code mcast_solicit}. */
    public static final int ARP_REQUESTS = 3;
    /** Milliseconds between two requests for the same next hop: the kernel's {@code retrans_time_ms}. */
    public static final long RETRANSMIT_MILLIS = 1000;
    /** Packets that wait for one next hop's address; more are dropped. */
    public static final int MAX_QUEUED_PER_NEIGHBOUR = 16;
    /** Next hops resolved at once; packets to yet another are dropped. */
    public static final int MAX_RESOLUTIONS = 16;

    /** The RFC 1112 prefix of the MAC address of an IPv4 multicast group, whose low 23 bits it carries. */
    private static final long IPV4_MULTICAST_MAC = 0x01005e000000L;
    private static final int IPV4_MULTICAST_MAC_BITS = 0x7fffff;

    private final HostAddresses host;
    private final NeighbourCache neighbours;
    private final DropCounters drops;
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final Ipv6Packet ipv6 = new Ipv6Packet();
    private final List<Resolution> resolutions = new ArrayList<>(MAX_RESOLUTIONS);
    private ChannelHandlerContext ctx;

    private volatile long arpRequestsSent;
    private volatile long neighborSolicitationsSent;
    private volatile long packetsResolved;

    /**
     * A framer for a host.
     *
     * @param host       the MAC address frames come from, and the addresses requests are sent from
     * @param neighbours the cache the host's {@link ArpResponder} and {@link NdpResponder} learn into
     * @param drops      where dropped packets are counted
     */
    public EthernetFramer(HostAddresses host, NeighbourCache neighbours, DropCounters drops) {
        this.host = requireNonNull(host, "host");
        this.neighbours = requireNonNull(neighbours, "neighbours");
        this.drops = requireNonNull(drops, "drops");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf packet)) {
            ctx.write(msg, promise);
            return;
        }
        int version = packet.isReadable() ? packet.getUnsignedByte(packet.readerIndex()) >>> 4 : 0;
        if (version == Ipv4Packet.VERSION && ipv4.wrap(packet)) {
            writeIpv4(packet, promise);
        } else if (version == Ipv6Packet.VERSION && ipv6.wrap(packet)) {
            writeIpv6(packet, promise);
        } else {
            drop(packet, promise, OutboundDrop.NO_LINK_ADDRESS);
        }
    }

    private void writeIpv4(ByteBuf packet, ChannelPromise promise) {
        int destination = ipv4.destination();
        long mac = linkAddressOf(destination);
        if (mac != NeighbourCache.NO_ENTRY) {
            ctx.write(frame(packet, mac), promise);
            return;
        }
        Resolution resolution = resolutionOf(0, destination, false);
        if (resolution == null && resolutions.size() < MAX_RESOLUTIONS) {
            // As the kernel does by default (arp_announce 0): ask from the packet's source when it is ours.
            int source = ipv4.source();
            if (!host.isOurs(source) && host.ipv4Addresses().isEmpty()) {
                drop(packet, promise, OutboundDrop.NO_LINK_ADDRESS);
                return;
            }
            int sender = host.isOurs(source) ? source : host.ipv4Addresses().getFirst().value();
            resolution = startResolution(new Resolution(0, destination, sender, null));
        }
        enqueue(resolution, packet, promise);
    }

    private void writeIpv6(ByteBuf packet, ChannelPromise promise) {
        ByteBuf buf = ipv6.buffer();
        int destination = ipv6.destinationOffset();
        long high = Ipv6Address.readHigh(buf, destination);
        long low = Ipv6Address.readLow(buf, destination);
        long mac = ipv6.isDestinationMulticast() ? Ipv6Address.multicastMac(low) : neighbours.lookup(high, low);
        if (mac != NeighbourCache.NO_ENTRY) {
            ctx.write(frame(packet, mac), promise);
            return;
        }
        Resolution resolution = resolutionOf(high, low, true);
        if (resolution == null && resolutions.size() < MAX_RESOLUTIONS) {
            Ipv6Address sender = ipv6Sender();
            if (sender == null) {
                drop(packet, promise, OutboundDrop.NO_LINK_ADDRESS);
                return;
            }
            resolution = startResolution(new Resolution(high, low, 0, sender));
        }
        enqueue(resolution, packet, promise);
    }

    /** The host's address the packet in {@link #ipv6} comes from, else its first IPv6 address, else {@code null}. */
    private Ipv6Address ipv6Sender() {
        List<Ipv6Address> addresses = host.ipv6Addresses();
        for (int i = 0; i < addresses.size(); i++) {
            if (addresses.get(i).matches(ipv6.buffer(), ipv6.sourceOffset())) {
                return addresses.get(i);
            }
        }
        return addresses.isEmpty() ? null : addresses.getFirst();
    }

    /** The MAC address {@code destination} is reached at, or {@link NeighbourCache#NO_ENTRY} until resolved. */
    private long linkAddressOf(int destination) {
        if (destination == Ipv4Address.BROADCAST.value()) {
            return MacAddress.BROADCAST.value();
        }
        if (Ipv4Address.isMulticast(destination)) {
            return IPV4_MULTICAST_MAC | destination & IPV4_MULTICAST_MAC_BITS;
        }
        return neighbours.lookup(destination);
    }

    private ByteBuf frame(ByteBuf packet, long destinationMac) {
        int etherType = packet.getUnsignedByte(packet.readerIndex()) >>> 4 == Ipv6Packet.VERSION
                ? EthernetFrame.ETHERTYPE_IPV6 : EthernetFrame.ETHERTYPE_IPV4;
        if (packet.readerIndex() >= EthernetFrame.HEADER_LENGTH && !packet.isReadOnly()) {
            return EthernetHeader.prepend(packet, destinationMac, host.mac(), etherType);
        }
        try {
            ByteBuf frame = ctx.alloc().ioBuffer(EthernetFrame.HEADER_LENGTH + packet.readableBytes());
            new EthernetHeader(destinationMac, host.mac(), etherType).write(frame);
            return frame.writeBytes(packet);
        } finally {
            packet.release();
        }
    }

    private Resolution startResolution(Resolution resolution) {
        resolutions.add(resolution);
        resolution.solicit();
        return resolution;
    }

    /** Queues the packet on its next hop's resolution; {@code null} when no more resolutions may start. */
    private void enqueue(Resolution resolution, ByteBuf packet, ChannelPromise promise) {
        if (resolution == null || !resolution.add(packet, promise)) {
            drop(packet, promise, OutboundDrop.NEIGHBOUR_QUEUE_FULL);
        }
    }

    /** The resolution of a next hop: an IPv6 address, or an IPv4 one in {@code low} with {@code high} 0. */
    private Resolution resolutionOf(long high, long low, boolean isIpv6) {
        for (Resolution resolution : resolutions) {
            if (resolution.low == low && resolution.high == high && resolution.isIpv6() == isIpv6) {
                return resolution;
            }
        }
        return null;
    }

    /** Sends what waited for next hops that the ARP responder learnt during this read. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!resolutions.isEmpty() && sendResolved()) {
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private boolean sendResolved() {
        boolean sent = false;
        for (int i = resolutions.size() - 1; i >= 0; i--) {
            Resolution resolution = resolutions.get(i);
            long mac = resolution.lookup();
            if (mac != NeighbourCache.NO_ENTRY) {
                resolutions.remove(i);
                resolution.send(mac);
                sent = true;
            }
        }
        return sent;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failResolutions();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        failResolutions();
    }

    /** Drops what waits for a next hop: it could not be sent any more. */
    private void failResolutions() {
        for (Resolution resolution : resolutions) {
            resolution.fail();
        }
        resolutions.clear();
    }

    private void drop(ByteBuf packet, ChannelPromise promise, OutboundDrop reason) {
        packet.release();
        drops.increment(reason);
        // A void promise would report the failure through exceptionCaught: the counter says it already.
        if (!promise.isVoid()) {
            promise.tryFailure(new NoRouteToHostException(reason + " for " + ctx.channel()));
        }
    }

    /** {@return the ARP requests sent to resolve IPv4 next hops} */
    public long arpRequestsSent() {
        return arpRequestsSent;
    }

    /** {@return the Neighbor Solicitations sent to resolve IPv6 next hops} */
    public long neighborSolicitationsSent() {
        return neighborSolicitationsSent;
    }

    /** {@return the packets that waited for their next hop's address and were sent once it came} */
    public long packetsResolved() {
        return packetsResolved;
    }

    /** The packets waiting for one next hop, and the requests asking for its address: an "incomplete" entry. */
    private final class Resolution implements Runnable {
        /** The next hop: an IPv6 address, or with {@link #ipv6Sender} {@code null} an IPv4 one in the low bits. */
        private final long high;
        private final long low;
        private final int ipv4Sender;
        private final Ipv6Address ipv6Sender;
        private final ByteBuf[] packets = new ByteBuf[MAX_QUEUED_PER_NEIGHBOUR];
        private final ChannelPromise[] promises = new ChannelPromise[MAX_QUEUED_PER_NEIGHBOUR];
        private int queued;
        private int requests;
        private ScheduledFuture<?> retransmission;

        Resolution(long high, long low, int ipv4Sender, Ipv6Address ipv6Sender) {
            this.high = high;
            this.low = low;
            this.ipv4Sender = ipv4Sender;
            this.ipv6Sender = ipv6Sender;
        }

        boolean isIpv6() {
            return ipv6Sender != null;
        }

        long lookup() {
            return isIpv6() ? neighbours.lookup(high, low) : neighbours.lookup((int) low);
        }

        boolean add(ByteBuf packet, ChannelPromise promise) {
            if (queued == packets.length) {
                return false;
            }
            packets[queued] = packet;
            promises[queued++] = promise;
            return true;
        }

        /** Sends a request, to be flushed with the packet that caused it or by the retransmission timer. */
        void solicit() {
            if (isIpv6()) {
                Ipv6Address target = new Ipv6Address(high, low);
                Ipv6Address group = target.solicitedNodeMulticast();
                ByteBuf solicitation = Ipv6Packets.neighborSolicitation(ctx.alloc(), ipv6Sender, group, target,
                        host.mac());
                ctx.write(EthernetHeader.prepend(solicitation, Ipv6Address.multicastMac(group.low()), host.mac(),
                        EthernetFrame.ETHERTYPE_IPV6), ctx.voidPromise());
                neighborSolicitationsSent++;
            } else {
                ctx.write(Frames.arpRequest(ctx.alloc(), host.mac(), ipv4Sender, (int) low), ctx.voidPromise());
                arpRequestsSent++;
            }
            requests++;
            retransmission = ctx.executor().schedule(this, RETRANSMIT_MILLIS, TimeUnit.MILLISECONDS);
        }

        /** The retransmission timer: asks again, or gives up after the last request. */
        @Override
        public void run() {
            if (!resolutions.contains(this)) {
                return;
            }
            if (requests < ARP_REQUESTS) {
                solicit();
                ctx.flush();
            } else {
                resolutions.remove(this);
                fail();
            }
        }

        void send(long mac) {
            retransmission.cancel(false);
            for (int i = 0; i < queued; i++) {
                ctx.write(frame(packets[i], mac), promises[i]);
            }
            packetsResolved += queued;
        }

        void fail() {
            retransmission.cancel(false);
            for (int i = 0; i < queued; i++) {
                drop(packets[i], promises[i], OutboundDrop.NEIGHBOUR_UNRESOLVED);
            }
        }
    }
}
