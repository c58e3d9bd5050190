package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;

import java.net.NoRouteToHostException;

/**
 * Puts the IPv4 packets that the host's child channels write into Ethernet frames, in place, until the host has a
 * link layer of its own that does so (and sends them as they are on TUN). The destination's MAC address comes from
 * a {@link NeighbourCache}: the one the {@link ArpResponder} fills, which holds the kernel's MAC address after its
 * ARP request, and into which {@link #learn} adds the senders of the datagrams the services receive, so that a
 * reply written later, outside the read of its request, still finds it.
 */
final class Ipv4EthernetFraming {
    private final long mac;
    private final NeighbourCache neighbours;
    /** Re-pointed at each packet, to read its destination. */
    private final Ipv4Packet packet = new Ipv4Packet();

    /**
     * @param mac        the host's MAC address, the source of every frame
     * @param neighbours the table to look destinations up in and to learn senders into
     */
    Ipv4EthernetFraming(long mac, NeighbourCache neighbours) {
        this.mac = mac;
        this.neighbours = neighbours;
    }

    /** Remembers that {@code address} sent from {@code mac}, unless that is a group address. */
    void learn(int address, long senderMac) {
        if (!MacAddress.isMulticast(senderMac)) {
            neighbours.put(address, senderMac);
        }
    }

    /**
     * Moves the reader index of {@code ipv4Packet} back over its {@link Frames#LINK_HEADROOM} and writes an
     * Ethernet header there, to the MAC address of the packet's destination.
     *
     * @throws NoRouteToHostException if that MAC address is not known
     */
    ByteBuf frame(ByteBuf ipv4Packet) throws NoRouteToHostException {
        if (!packet.wrap(ipv4Packet) || ipv4Packet.readerIndex() < Frames.LINK_HEADROOM) {
            throw new IllegalArgumentException("not an IPv4 packet with link headroom: " + ipv4Packet);
        }
        int destination = packet.destination();
        long destinationMac = neighbours.lookup(destination);
        if (destinationMac == NeighbourCache.NO_ENTRY) {
            throw new NoRouteToHostException("no MAC address known for " + Ipv4Address.format(destination));
        }
        int start = ipv4Packet.readerIndex() - Frames.LINK_HEADROOM;
        int end = ipv4Packet.writerIndex();
        ipv4Packet.setIndex(start, start);
        new EthernetHeader(destinationMac, mac, EthernetFrame.ETHERTYPE_IPV4).write(ipv4Packet);
        return ipv4Packet.writerIndex(end);
    }
}
