package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.ArpHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpResponderTest {
    static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");
    static final Ipv4Address HOST_IP = Ipv4Address.parse("192.0.2.2");
    static final Ipv4Address SECOND_HOST_IP = Ipv4Address.parse("198.51.100.2");
    static final HostAddresses HOST = HostAddresses.of(HOST_MAC, HOST_IP, SECOND_HOST_IP);
    /** The peer in {@link CapturedFrames}: the kernel's side of the link. */
    static final long KERNEL_MAC = 0x02005e100001L;
    static final int KERNEL_IP = Ipv4Address.parse("192.0.2.1").value();

    private final DropCounters drops = new DropCounters();
    private final ArpResponder arp = new ArpResponder(HOST);
    private final EmbeddedChannel channel = new EmbeddedChannel(new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
            arp, new UnhandledFrameCounter(drops));

    /**
     * A neighbour cache that holds the kernel's MAC address, as the ARP request that comes before the kernel's first
     * packet leaves it, so that the host's answers are framed at once.
     */
    static NeighbourCache knowingTheKernel() {
        NeighbourCache neighbours = new NeighbourCache(ArpResponder.DEFAULT_CACHE_CAPACITY);
        neighbours.put(KERNEL_IP, KERNEL_MAC);
        return neighbours;
    }

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    @Test
    void announcesEachAddressOnceWhenActive() {
        assertGratuitousArp(channel.readOutbound(), HOST_IP);
        assertGratuitousArp(channel.readOutbound(), SECOND_HOST_IP);
        assertNull(channel.readOutbound());
        assertEquals(2, arp.announcementsSent());
    }

    private static void assertGratuitousArp(ByteBuf frame, Ipv4Address address) {
        try {
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            assertTrue(MacAddress.isBroadcast(ethernet.destination()));
            ArpPacket packet = ArpPacket.parse(frame.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertTrue(packet.isRequest());
            assertEquals(HOST_MAC.value(), packet.sha());
            assertEquals(address.value(), packet.spa());
            assertEquals(address.value(), packet.tpa());
        } finally {
            frame.release();
        }
    }

    @Test
    void answersTheKernelsRequestAndLearnsTheKernel() {
        drainAnnouncements();
        ByteBuf request = pooled(CapturedFrames.padded(CapturedFrames.ARP_REQUEST));
        channel.writeInbound(request);
        assertEquals(0, request.refCnt());

        ByteBuf reply = channel.readOutbound();
        try {
            EthernetFrame ethernet = EthernetFrame.parse(reply);
            assertEquals(KERNEL_MAC, ethernet.destination());
            assertEquals(HOST_MAC.value(), ethernet.source());
            assertEquals(EthernetFrame.ETHERTYPE_ARP, ethernet.etherType());
            ArpPacket packet = ArpPacket.parse(reply.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertEquals(ArpPacket.OPER_REPLY, packet.oper());
            assertEquals(HOST_MAC.value(), packet.sha());
            assertEquals(HOST_IP.value(), packet.spa());
            assertEquals(KERNEL_MAC, packet.tha());
            assertEquals(KERNEL_IP, packet.tpa());
        } finally {
            reply.release();
        }
        assertNull(channel.readOutbound());
        assertEquals(1, arp.requestsAnswered());
        assertEquals(KERNEL_MAC, arp.neighbours().lookup(KERNEL_IP));
    }

    @Test
    void ignoresRequestsForOtherAddressesWithoutLearning() {
        drainAnnouncements();
        int other = Ipv4Address.parse("192.0.2.3").value();
        channel.writeInbound(Frames.arpRequest(PooledByteBufAllocator.DEFAULT, KERNEL_MAC, KERNEL_IP, other));
        assertNull(channel.readOutbound());
        assertEquals(1, arp.requestsForOthers());
        assertEquals(NeighbourCache.NO_ENTRY, arp.neighbours().lookup(KERNEL_IP));
        assertEquals(0, drops.total(), "ARP for others is consumed, not dropped as unhandled");
    }

    @Test
    void updatesAKnownNeighbourFromItsGratuitousArp() {
        drainAnnouncements();
        channel.writeInbound(pooled(CapturedFrames.ARP_REQUEST));
        channel.<ByteBuf>readOutbound().release();
        long newMac = 0x02005e1000ffL;
        channel.writeInbound(Frames.gratuitousArp(PooledByteBufAllocator.DEFAULT, newMac, KERNEL_IP));
        assertNull(channel.readOutbound());
        assertEquals(newMac, arp.neighbours().lookup(KERNEL_IP));
    }

    @Test
    void learnsFromRepliesToUs() {
        drainAnnouncements();
        channel.writeInbound(Frames.arpReply(PooledByteBufAllocator.DEFAULT, KERNEL_MAC, KERNEL_IP,
                HOST_MAC.value(), HOST_IP.value()));
        assertNull(channel.readOutbound());
        assertEquals(1, arp.repliesReceived());
        assertEquals(KERNEL_MAC, arp.neighbours().lookup(KERNEL_IP));
    }

    @Test
    void passesOnOtherOperationsToBeCountedAsUnhandled() {
        drainAnnouncements();
        int rarpRequest = 3; // RFC 903
        channel.writeInbound(Frames.arp(PooledByteBufAllocator.DEFAULT, MacAddress.BROADCAST.value(),
                new ArpHeader(rarpRequest, KERNEL_MAC, KERNEL_IP, KERNEL_MAC, KERNEL_IP)));
        assertNull(channel.readOutbound());
        assertEquals(1, drops.count(InboundFrame.Kind.ARP), "found by fuzzing: consumed without being counted");
        assertEquals(0, arp.requestsAnswered() + arp.requestsForOthers() + arp.repliesReceived());
    }

    private void drainAnnouncements() {
        for (ByteBuf frame; (frame = channel.readOutbound()) != null; ) {
            frame.release();
        }
    }
}
