package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Speaks the address resolution of IPv6 Neighbor Discovery (RFC 4861) for a {@link HostAddresses}, as
 * {@link ArpResponder} does for IPv4: answers Neighbor Solicitations for its IPv6 addresses, learns its neighbours'
 * link-layer addresses into the {@link NeighbourCache} where an {@link EthernetFramer} looks up next hops, and
 * announces its addresses with unsolicited advertisements when the channel becomes active. It writes whole Ethernet
 * frames, so it sits on the device's side of the framer; a TUN device has no link-layer addresses and no NDP.
 *
 * <p>What it does with each message, valid as section 7.1 asks (the {@link PacketDecoder} has checked that):
 * <ul>
 *   <li>A solicitation for one of the host's addresses, sent to that address or to its solicited-node multicast
 *       address: the sender's Source Link-Layer Address, if given, is learnt, and a solicited advertisement (S and O
 *       flags, Target Link-Layer Address) goes back to the sender (section 7.2.4).</li>
 *   <li>A solicitation from the unspecified address, which is another node's duplicate address detection for one of
 *       the host's addresses: the host defends it with an advertisement to all-nodes without the S flag.</li>
 *   <li>An advertisement: updates the entry of its target if there is one (section 7.2.5). A solicited one sent to
 *       the host answers the solicitation of the framer, whose pending resolution is the "incomplete" entry the RFC
 *       speaks of, so it creates the entry.</li>
 * </ul>
 * Solicitations for other addresses are consumed and counted. Counters are written by the event loop only and are
 * volatile so that other threads read current values.
 */
public final class NdpResponder extends AnnouncingResponder {
    private final NeighbourCache neighbours;

    private volatile long solicitationsAnswered;
    private volatile long duplicateAddressProbesAnswered;
    private volatile long solicitationsForOthers;
    private volatile long advertisementsReceived;
    private volatile long announcementsSent;

    /**
     * A responder that learns into a table of the caller's, usually shared with the host's {@link ArpResponder} and
     * {@link EthernetFramer}.
     *
     * @param host       the addresses it answers for and announces
     * @param neighbours where the neighbours' addresses are learnt; used on the channel's event loop
     */
    public NdpResponder(HostAddresses host, NeighbourCache neighbours) {
        super(host);
        this.neighbours = requireNonNull(neighbours, "neighbours");
    }

    /** Sends one unsolicited advertisement per address. */
    @Override
    void announce(ChannelHandlerContext ctx) {
        for (Ipv6Address address : host().ipv6Addresses()) {
            ctx.write(frame(Ipv6Packets.neighborAdvertisement(ctx.alloc(), address, Ipv6Address.ALL_NODES,
                    NeighborDiscoveryMessage.FLAG_OVERRIDE, address, host().mac()),
                    Ipv6Address.ALL_NODES.low()), ctx.voidPromise());
            announcementsSent++;
        }
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        return inbound.kind() == InboundFrame.Kind.NDP;
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        NeighborDiscoveryMessage message = inbound.neighborDiscovery();
        Ipv6Packet ip = inbound.ipv6();
        if (message.isAdvertisement()) {
            advertised(ip, message);
        } else {
            solicited(ctx, inbound, ip, message);
        }
    }

    private void advertised(Ipv6Packet ip, NeighborDiscoveryMessage message) {
        advertisementsReceived++;
        long mac = message.targetLinkLayerAddress();
        if (mac == NeighborDiscoveryMessage.NONE) {
            return;
        }
        ByteBuf buf = message.buffer();
        int target = message.targetOffset();
        long high = Ipv6Address.readHigh(buf, target);
        long low = Ipv6Address.readLow(buf, target);
        if (!neighbours.update(high, low, mac) && message.solicited()
                && host().isOurs(ip.buffer(), ip.destinationOffset())) {
            neighbours.put(high, low, mac);
        }
    }

    private void solicited(ChannelHandlerContext ctx, InboundFrame inbound, Ipv6Packet ip,
                           NeighborDiscoveryMessage message) {
        Ipv6Address target = ours(message);
        if (target == null) {
            solicitationsForOthers++;
            return;
        }
        ByteBuf buf = ip.buffer();
        int source = ip.sourceOffset();
        if (Ipv6Address.UNSPECIFIED.matches(buf, source)) {
            send(ctx, frame(Ipv6Packets.neighborAdvertisement(ctx.alloc(), target, Ipv6Address.ALL_NODES,
                    NeighborDiscoveryMessage.FLAG_OVERRIDE, target, host().mac()), Ipv6Address.ALL_NODES.low()));
            duplicateAddressProbesAnswered++;
            return;
        }
        long sourceMac = message.sourceLinkLayerAddress();
        if (sourceMac != NeighborDiscoveryMessage.NONE) {
            neighbours.put(Ipv6Address.readHigh(buf, source), Ipv6Address.readLow(buf, source), sourceMac);
        } else {
            // Without the option (allowed to a unicast address) the frame's sender is the one to answer.
            sourceMac = inbound.ethernet().source();
        }
        ByteBuf answer = Ipv6Packets.solicitedNeighborAdvertisement(ctx.alloc(), ip, target, host().mac());
        send(ctx, EthernetHeader.prepend(answer, sourceMac, host().mac(), EthernetFrame.ETHERTYPE_IPV6));
        solicitationsAnswered++;
    }

    /** The host's address that {@code message} targets, without allocating, or {@code null}. */
    private Ipv6Address ours(NeighborDiscoveryMessage message) {
        List<Ipv6Address> addresses = host().ipv6Addresses();
        for (int i = 0; i < addresses.size(); i++) {
            Ipv6Address address = addresses.get(i);
            if (address.matches(message.buffer(), message.targetOffset())) {
                return address;
            }
        }
        return null;
    }

    /** Frames an IPv6 packet to a multicast group, given the low 64 bits of the group's address. */
    private ByteBuf frame(ByteBuf packet, long multicastLow) {
        return EthernetHeader.prepend(packet, Ipv6Address.multicastMac(multicastLow), host().mac(),
                EthernetFrame.ETHERTYPE_IPV6);
    }

    /** {@return the neighbours learnt so far, of both IP versions; read it on the channel's event loop} */
    public NeighbourCache neighbours() {
        return neighbours;
    }

    /** {@return how many solicitations for one of the host's addresses were answered with a solicited advertisement} */
    public long solicitationsAnswered() {
        return solicitationsAnswered;
    }

    /** {@return how many duplicate address detection probes for the host's addresses were answered} */
    public long duplicateAddressProbesAnswered() {
        return duplicateAddressProbesAnswered;
    }

    /** {@return how many solicitations were for addresses not the host's, other nodes' own probes included} */
    public long solicitationsForOthers() {
        return solicitationsForOthers;
    }

    /** {@return how many advertisements arrived, whoever they were for} */
    public long advertisementsReceived() {
        return advertisementsReceived;
    }

    /** {@return how many unsolicited advertisements were sent: one per address when the channel became active} */
    public long announcementsSent() {
        return announcementsSent;
    }
}
