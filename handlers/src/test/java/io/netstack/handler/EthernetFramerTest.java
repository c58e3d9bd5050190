package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.NoRouteToHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.netstack.handler.ArpResponderTest.HOST;
import static io.netstack.handler.ArpResponderTest.HOST_IP;
import static io.netstack.handler.ArpResponderTest.HOST_MAC;
import static io.netstack.handler.ArpResponderTest.KERNEL_IP;
import static io.netstack.handler.ArpResponderTest.KERNEL_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EthernetFramerTest {
    private final DropCounters drops = new DropCounters();
    private final NeighbourCache neighbours = new NeighbourCache(ArpResponder.DEFAULT_CACHE_CAPACITY);
    private final ArpResponder arp = new ArpResponder(HOST, neighbours);
    private final EthernetFramer framer = new EthernetFramer(HOST, neighbours, drops);
    private final EmbeddedChannel channel = new EmbeddedChannel(new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
            arp, framer, new UnhandledFrameCounter(drops));

    EthernetFramerTest() {
        for (ByteBuf announcement; (announcement = channel.readOutbound()) != null; ) {
            announcement.release();
        }
    }

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    /** A UDP datagram from the host to {@code destination}, as the IP layer writes it. */
    private static ByteBuf packetTo(int destination) {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        try {
            return Frames.udp(PooledByteBufAllocator.DEFAULT,
                    Ipv4Header.of(HOST_IP.value(), destination, Ipv4Packet.PROTOCOL_UDP), new UdpHeader(7, 40000),
                    data, 0, 3);
        } finally {
            data.release();
        }
    }

    @Test
    void framesAPacketToAKnownNeighbourInPlace() {
        neighbours.put(KERNEL_IP, KERNEL_MAC);
        ByteBuf packet = packetTo(KERNEL_IP);
        String ipPacket = ByteBufUtil.hexDump(packet);
        channel.writeOutbound(packet);
        ByteBuf frame = channel.readOutbound();
        try {
            assertSame(packet, frame, "the same buffer, not a copy");
            assertEquals(0, frame.readerIndex(), "the header went into the headroom");
            assertEthernet(frame, KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV4);
            assertEquals(ipPacket, ByteBufUtil.hexDump(frame, 14, frame.readableBytes() - 14));
        } finally {
            frame.release();
        }
        assertEquals(0, drops.total());
    }

    @Test
    void framesBroadcastAndMulticastWithoutAsking() {
        channel.writeOutbound(packetTo(Ipv4Address.BROADCAST.value()), packetTo(Ipv4Address.parse("224.0.0.251")
                .value()), packetTo(Ipv4Address.parse("239.128.1.2").value()));
        for (long mac : new long[] {MacAddress.BROADCAST.value(), 0x01005e0000fbL, 0x01005e000102L}) {
            ByteBuf frame = channel.readOutbound();
            try {
                assertEthernet(frame, mac, EthernetFrame.ETHERTYPE_IPV4);
            } finally {
                frame.release();
            }
        }
        assertNull(channel.readOutbound());
        assertEquals(0, framer.arpRequestsSent());
    }

    @Test
    void copiesAPacketWithoutHeadroomOnce() {
        neighbours.put(KERNEL_IP, KERNEL_MAC);
        ByteBuf framed = packetTo(KERNEL_IP);
        ByteBuf packet = Unpooled.copiedBuffer(framed);
        framed.release();
        channel.writeOutbound(packet);
        assertEquals(0, packet.refCnt(), "released once copied");
        ByteBuf frame = channel.readOutbound();
        try {
            assertEthernet(frame, KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV4);
            assertEquals(14 + 20 + 8 + 3, frame.readableBytes());
        } finally {
            frame.release();
        }
    }

    @Test
    void resolvesAnUnknownNeighbourWithArpThenSendsWhatWaited() {
        ByteBuf first = packetTo(KERNEL_IP);
        ByteBuf second = packetTo(KERNEL_IP);
        ChannelFuture written = channel.writeAndFlush(first);
        channel.writeAndFlush(second);
        assertFalse(written.isDone(), "waits for the neighbour's address");
        assertArpRequest(channel.readOutbound());
        assertNull(channel.readOutbound(), "one request for both packets");

        channel.writeInbound(Frames.arpReply(PooledByteBufAllocator.DEFAULT, KERNEL_MAC, KERNEL_IP, HOST_MAC.value(),
                HOST_IP.value()));
        for (ByteBuf expected : List.of(first, second)) {
            ByteBuf frame = channel.readOutbound();
            try {
                assertSame(expected, frame);
                assertEthernet(frame, KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV4);
            } finally {
                frame.release();
            }
        }
        assertTrue(written.isSuccess());
        assertEquals(1, arp.repliesReceived());
        assertEquals(2, framer.packetsResolved());
        assertEquals(1, framer.arpRequestsSent());
        assertEquals(0, drops.total());
    }

    @Test
    void givesUpAfterThreeUnansweredRequestsAndCountsTheDrops() {
        channel.freezeTime();
        ChannelFuture written = channel.writeAndFlush(packetTo(KERNEL_IP));
        channel.write(packetTo(KERNEL_IP), channel.voidPromise());
        assertArpRequest(channel.readOutbound());
        for (int request = 2; request <= EthernetFramer.ARP_REQUESTS; request++) {
            channel.advanceTimeBy(EthernetFramer.RETRANSMIT_MILLIS, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertArpRequest(channel.readOutbound());
            assertFalse(written.isDone());
        }
        channel.advanceTimeBy(EthernetFramer.RETRANSMIT_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertNull(channel.readOutbound());
        assertInstanceOf(NoRouteToHostException.class, written.cause());
        assertEquals(2, drops.count(OutboundDrop.NEIGHBOUR_UNRESOLVED));
        assertEquals(EthernetFramer.ARP_REQUESTS, framer.arpRequestsSent());

        // A later answer finds nothing waiting; a new packet is sent at once.
        channel.writeInbound(Frames.arpReply(PooledByteBufAllocator.DEFAULT, KERNEL_MAC, KERNEL_IP, HOST_MAC.value(),
                HOST_IP.value()));
        assertNull(channel.readOutbound());
        channel.writeOutbound(packetTo(KERNEL_IP));
        ByteBuf frame = channel.readOutbound();
        frame.release();
        assertEquals(2, drops.total());
    }

    @Test
    void boundsWhatWaitsAndCountsTheRest() {
        List<ChannelFuture> writes = new ArrayList<>();
        for (int i = 0; i <= EthernetFramer.MAX_QUEUED_PER_NEIGHBOUR; i++) {
            writes.add(channel.write(packetTo(KERNEL_IP)));
        }
        int otherNeighbours = Ipv4Address.parse("198.51.100.1").value();
        for (int i = 0; i < EthernetFramer.MAX_RESOLUTIONS; i++) {
            writes.add(channel.write(packetTo(otherNeighbours + i)));
        }
        channel.flush();
        assertEquals(2, drops.count(OutboundDrop.NEIGHBOUR_QUEUE_FULL), "one over the queue, one over the resolutions");
        assertInstanceOf(NoRouteToHostException.class, writes.get(EthernetFramer.MAX_QUEUED_PER_NEIGHBOUR).cause());
        assertInstanceOf(NoRouteToHostException.class, writes.getLast().cause());
        for (int i = 0; i < EthernetFramer.MAX_RESOLUTIONS; i++) {
            assertArpRequest(channel.readOutbound());
        }
        assertNull(channel.readOutbound());
    }

    @Test
    void dropsWhatItCannotAddressAndPassesOtherMessages() {
        ByteBuf ipv6 = Unpooled.buffer(54).writerIndex(14).writeByte(0x60).writeZero(39).readerIndex(14);
        ByteBuf truncated = packetTo(KERNEL_IP);
        truncated.writerIndex(truncated.writerIndex() - 1);
        for (ByteBuf packet : List.of(ipv6, truncated, Unpooled.buffer(0))) {
            ChannelFuture written = channel.writeAndFlush(packet);
            assertInstanceOf(NoRouteToHostException.class, written.cause());
            assertEquals(0, packet.refCnt());
        }
        assertEquals(3, drops.count(OutboundDrop.NO_LINK_ADDRESS));
        channel.writeOutbound("not a packet");
        assertEquals("not a packet", channel.readOutbound());
    }

    @Test
    void dropsAndCountsWhatWaitsWhenTheChannelCloses() {
        ByteBuf packet = packetTo(KERNEL_IP);
        ChannelFuture written = channel.writeAndFlush(packet);
        channel.<ByteBuf>readOutbound().release();
        channel.close();
        assertEquals(0, packet.refCnt());
        assertInstanceOf(NoRouteToHostException.class, written.cause());
        assertEquals(1, drops.count(OutboundDrop.NEIGHBOUR_UNRESOLVED));
    }

    /** Framing a packet to a known neighbour allocates nothing: the header goes into the headroom. */
    @Test
    void framesWithoutAllocating() {
        neighbours.put(KERNEL_IP, KERNEL_MAC);
        ByteBuf built = packetTo(KERNEL_IP);
        ByteBuf packet = Allocations.untracked(new byte[built.writerIndex()]).setBytes(0, built, 0, built.writerIndex())
                .readerIndex(Frames.LINK_HEADROOM);
        built.release();
        long[] sum = {0};
        EmbeddedChannel measured = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ByteBuf frame = (ByteBuf) msg;
                sum[0] += frame.getLong(frame.readerIndex());
                frame.readerIndex(Frames.LINK_HEADROOM);
            }
        }, new EthernetFramer(HOST, neighbours, drops));
        int frames = 200_000;
        try {
            long allocated = Allocations.ofSecondRun(() -> {
                for (int i = 0; i < frames; i++) {
                    measured.pipeline().write(packet, measured.voidPromise());
                }
                return sum[0];
            });
            assertTrue(allocated < frames, allocated + " bytes for " + frames + " frames");
        } finally {
            packet.release();
            assertFalse(measured.finishAndReleaseAll());
        }
    }

    private static void assertArpRequest(ByteBuf frame) {
        try {
            EthernetFrame ethernet = assertEthernet(frame, MacAddress.BROADCAST.value(), EthernetFrame.ETHERTYPE_ARP);
            ArpPacket request = ArpPacket.parse(frame.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertTrue(request.isRequest());
            assertEquals(HOST_MAC.value(), request.sha());
            assertEquals(HOST_IP.value(), request.spa());
            assertFalse(request.isGratuitous());
        } finally {
            frame.release();
        }
    }

    private static EthernetFrame assertEthernet(ByteBuf frame, long destination, int etherType) {
        EthernetFrame ethernet = EthernetFrame.parse(frame);
        assertEquals(MacAddress.format(destination), MacAddress.format(ethernet.destination()));
        assertEquals(HOST_MAC.value(), ethernet.source());
        assertEquals(etherType, ethernet.etherType());
        return ethernet;
    }
}
