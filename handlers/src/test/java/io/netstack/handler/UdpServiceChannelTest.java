package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.UdpDatagram;
import io.netstack.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

/**
 * A {@link UdpServiceChannel} of a {@link UserspaceHost} on an {@link EmbeddedChannel}: its life with the parent's,
 * datagrams in as {@link DatagramPacket}s, and what becomes of each write.
 */
class UdpServiceChannelTest {
    private static final int PORT = 5353;
    private static final InetSocketAddress KERNEL = new InetSocketAddress("192.0.2.1", 40000);
    private static final InetSocketAddress SERVICE = new InetSocketAddress("192.0.2.2", PORT);

    /** What the service's pipeline saw: its events by name, and the datagrams it read. */
    private final List<String> events = new ArrayList<>();
    private final List<DatagramPacket> read = new ArrayList<>();
    private final UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(HOST_IP)
            .udpService(PORT, new Recorder()).build();
    private final EmbeddedChannel parent = new EmbeddedChannel(host);
    private final UdpServiceChannel service = host.udpServices().channel(PORT);

    UdpServiceChannelTest() {
        parent.<ByteBuf>readOutbound().release(); // the announcement
        // The kernel asks for the host first, as it would before its first datagram: the host learns its MAC.
        parent.writeInbound(Frames.arpRequest(PooledByteBufAllocator.DEFAULT, KERNEL_MAC, KERNEL_IP, HOST_IP.value()));
        parent.<ByteBuf>readOutbound().release(); // the reply
    }

    @AfterEach
    void finish() {
        read.forEach(DatagramPacket::release);
        assertFalse(parent.finishAndReleaseAll(), "nothing left over");
        assertFalse(service.isOpen(), "closed with the parent");
    }

    @Test
    void isAnActiveChildOfTheHostsChannelOnItsLoop() {
        assertSame(parent, service.parent());
        assertSame(parent.eventLoop(), service.eventLoop());
        assertTrue(service.isRegistered());
        assertTrue(service.isActive());
        assertTrue(service.isWritable());
        assertEquals(new InetSocketAddress("0.0.0.0", PORT), service.localAddress());
        assertNull(service.remoteAddress());
        assertEquals(List.of("registered", "active"), events);
    }

    @Test
    void closesWithTheParent() {
        parent.close().syncUninterruptibly();
        assertFalse(service.isOpen());
        assertTrue(service.closeFuture().isDone());
        assertEquals(List.of("registered", "active", "inactive", "unregistered"), events);
    }

    @Test
    void closedItLeavesItsPortUnbound() {
        service.close().syncUninterruptibly();
        assertTrue(parent.isActive());
        parent.writeInbound(datagram(KERNEL_IP, PORT, "late"));
        assertTrue(read.isEmpty());
        assertEquals(1, host.drops().count(InboundFrame.Kind.UDP));
        assertAnsweredPortUnreachable(PORT);
    }

    @Test
    void readsEachDatagramAsADatagramPacket() {
        parent.writeInbound(datagram(KERNEL_IP, PORT, "one"));
        parent.writeInbound(datagram(KERNEL_IP, PORT, "two"));
        assertEquals(2, read.size());
        DatagramPacket first = read.get(0);
        assertEquals("one", first.content().toString(StandardCharsets.US_ASCII));
        assertEquals(KERNEL, first.sender());
        assertEquals(SERVICE, first.recipient());
        assertEquals("two", read.get(1).content().toString(StandardCharsets.US_ASCII));
        assertSame(first.recipient(), read.get(1).recipient(), "one recipient address per host address");
        assertSame(first.sender(), read.get(1).sender(), "the same sender's address is reused");
        assertEquals(List.of("registered", "active", "read", "readComplete", "read", "readComplete"), events);
        assertEquals(2, host.udpServices().datagramsRead());
    }

    @Test
    void countsDatagramsToAPortWithoutService() {
        parent.writeInbound(datagram(KERNEL_IP, PORT + 1, "nobody"));
        assertTrue(read.isEmpty());
        assertEquals(1, host.drops().count(InboundFrame.Kind.UDP));
        assertAnsweredPortUnreachable(PORT + 1);
    }

    /** The host answered the datagram to {@code port} with a port unreachable quoting it, and nothing else. */
    private void assertAnsweredPortUnreachable(int port) {
        ByteBuf frame = parent.readOutbound();
        InboundFrame answer = new InboundFrame();
        try {
            assertNull(answer.decode(frame));
            assertNull(answer.verifyChecksums());
            assertEquals(InboundFrame.Kind.ICMPV4, answer.kind());
            assertEquals(KERNEL_MAC, answer.ethernet().destination());
            assertEquals(HOST_IP.value(), answer.ipv4().source());
            assertEquals(KERNEL_IP, answer.ipv4().destination());
            Icmpv4Packet error = answer.icmpv4();
            assertEquals(Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, error.type());
            assertEquals(Icmpv4Packet.CODE_PORT_UNREACHABLE, error.code());
            Ipv4Packet quoted = Ipv4Packet.parse(frame.slice(error.originalDatagramOffset(),
                    error.originalDatagramLength()));
            assertEquals(KERNEL_IP, quoted.source());
            assertEquals(port, UdpDatagram.parse(quoted).destinationPort());
        } finally {
            frame.release();
        }
        assertNull(parent.readOutbound(), "one error");
        assertEquals(1, host.icmpErrors().sent(), host.summary());
    }

    @Test
    void writesADatagramToItsRecipientAndCompletesThePromiseOnceTheParentHasWrittenIt() {
                ChannelFuture written = service.writeAndFlush(new DatagramPacket(ascii("answer"), KERNEL));
        assertTrue(written.isSuccess());
        ByteBuf frame = parent.readOutbound();
        try {
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            assertEquals(KERNEL_MAC, ethernet.destination());
            assertEquals(HOST_MAC.value(), ethernet.source());
            Ipv4Packet ip = Ipv4Packet.parse(frame.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertTrue(ip.isChecksumValid());
            assertEquals(HOST_IP.value(), ip.source());
            assertEquals(KERNEL_IP, ip.destination());
            UdpDatagram udp = UdpDatagram.parse(ip);
            assertTrue(udp.isChecksumValid(ip));
            assertEquals(PORT, udp.sourcePort());
            assertEquals(KERNEL.getPort(), udp.destinationPort());
            assertEquals("answer", udp.payload().toString(StandardCharsets.US_ASCII));
        } finally {
            frame.release();
        }
    }

    @Test
    void aWriteInTheReadLoopCompletesWithTheParentsFlushAtItsEnd() {
        List<ChannelFuture> writes = new ArrayList<>();
        service.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                DatagramPacket request = (DatagramPacket) msg;
                writes.add(ctx.writeAndFlush(new DatagramPacket(request.content(), request.sender())));
                assertFalse(writes.getLast().isDone(), "the parent flushes at the end of its read loop");
            }
        });
        parent.writeInbound(datagram(KERNEL_IP, PORT, "ping"));
        assertTrue(writes.getFirst().isSuccess());
        ReferenceCountUtil.release(parent.readOutbound());
    }

    @Test
    void aWriteTheParentFailsFailsWithItsCauseAndTheNextOneGoesOn() {
        IOException refused = new IOException("refused by the device");
        parent.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            private boolean refuse = true;

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (refuse) {
                    refuse = false;
                    ReferenceCountUtil.release(msg);
                    promise.setFailure(refused);
                } else {
                    ctx.write(msg, promise);
                }
            }
        });
        ChannelFuture first = service.write(new DatagramPacket(ascii("first"), KERNEL));
        ChannelFuture second = service.writeAndFlush(new DatagramPacket(ascii("second"), KERNEL));
        assertSame(refused, first.cause());
        assertTrue(second.isSuccess());
        ReferenceCountUtil.release(parent.readOutbound());
        assertNull(parent.readOutbound());
    }

    @Test
    void aDatagramTooLongForIpv4FailsItsWriteAndTheNextOneGoesOn() {
        ByteBuf tooLong = PooledByteBufAllocator.DEFAULT.buffer().writeZero(0xffff - 20 - 8 + 1);
        ChannelFuture first = service.write(new DatagramPacket(tooLong, KERNEL));
        ChannelFuture second = service.writeAndFlush(new DatagramPacket(ascii("fits"), KERNEL));
        assertInstanceOf(IllegalArgumentException.class, first.cause());
        assertEquals(0, tooLong.refCnt());
        assertTrue(second.isSuccess());
        ReferenceCountUtil.release(parent.readOutbound());
        assertNull(parent.readOutbound());
    }

    @Test
    void aWriteToANeighbourThatNeverAnswersArpFailsAndIsCounted() {
        parent.freezeTime();
        ByteBuf data = ascii("to whom?");
        ChannelFuture write = service.writeAndFlush(new DatagramPacket(data, new InetSocketAddress("192.0.2.9", 9)));
        for (int request = 1; request <= EthernetFramer.ARP_REQUESTS; request++) {
            ReferenceCountUtil.release(parent.readOutbound()); // who-has 192.0.2.9
            assertFalse(write.isDone(), "waits for the neighbour's MAC address");
            parent.advanceTimeBy(EthernetFramer.RETRANSMIT_MILLIS, TimeUnit.MILLISECONDS);
            parent.runScheduledPendingTasks();
        }
        assertInstanceOf(NoRouteToHostException.class, write.cause());
        assertEquals(0, data.refCnt());
        assertEquals(1, host.drops().count(OutboundDrop.NEIGHBOUR_UNRESOLVED));
        assertNull(parent.readOutbound());
    }

    @Test
    void aFailedWriteWithTheVoidPromiseReachesThePipeline() {
        ByteBuf tooLong = PooledByteBufAllocator.DEFAULT.buffer().writeZero(0xffff - 20 - 8 + 1);
        service.writeAndFlush(new DatagramPacket(tooLong, KERNEL), service.voidPromise());
        assertTrue(events.contains("exception IllegalArgumentException"), events.toString());
        assertEquals(1, host.drops().count(OutboundDrop.UNSENDABLE));
    }

    @Test
    void takesAnyAddressedEnvelopeOfAByteBufAndSendsFromTheSendersAddress() {
        ChannelFuture write = service.writeAndFlush(
                new DefaultAddressedEnvelope<>(ascii("envelope"), KERNEL, new InetSocketAddress("192.0.2.2", 0)));
        assertTrue(write.isSuccess());
        ByteBuf frame = parent.readOutbound();
        try {
            assertEquals(HOST_IP.value(), Ipv4Packet.parse(frame.slice(14, frame.readableBytes() - 14)).source());
        } finally {
            frame.release();
        }
    }

    @Test
    void refusesWhatItCannotSendAndReleasesIt() {
        ByteBuf bare = ascii("no address");
        assertInstanceOf(UnsupportedOperationException.class, service.writeAndFlush(bare).cause());
        ByteBuf toIpv6 = ascii("v6");
        assertInstanceOf(UnsupportedAddressTypeException.class, service.writeAndFlush(
                new DatagramPacket(toIpv6, new InetSocketAddress("2001:db8::1", 53))).cause());
        ByteBuf fromElsewhere = ascii("spoofed");
        assertInstanceOf(IllegalArgumentException.class, service.writeAndFlush(
                new DatagramPacket(fromElsewhere, KERNEL, new InetSocketAddress("192.0.2.77", PORT))).cause());
        assertEquals(0, bare.refCnt() + toIpv6.refCnt() + fromElsewhere.refCnt());
        assertEquals(3, host.drops().count(OutboundDrop.UNSENDABLE), "each failed write counted");
        assertNull(parent.readOutbound());
    }

    @Test
    void writesAfterCloseFailAndReleaseTheirMessage() {
        service.close().syncUninterruptibly();
        ByteBuf data = ascii("too late");
        ChannelFuture write = service.writeAndFlush(new DatagramPacket(data, KERNEL));
        assertInstanceOf(ClosedChannelException.class, write.cause());
        assertEquals(0, data.refCnt());
    }

    @Test
    void isWritableFollowsTheParent() {
        parent.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        // Straight into the parent's outbound buffer: a frame, not an IP packet for the host's link layer.
        parent.pipeline().firstContext().write(ascii("pending in the parent"));
        assertFalse(parent.isWritable());
        assertFalse(service.isWritable());
        assertTrue(events.contains("writabilityChanged false"), events.toString());
        parent.flush();
        assertTrue(service.isWritable());
        assertEquals("writabilityChanged true", events.getLast());
        ReferenceCountUtil.release(parent.readOutbound());
    }

    @Test
    void withoutAutoReadDatagramsWaitForARead() {
        stopAutoRead();
        parent.writeInbound(datagram(KERNEL_IP, PORT, "queued"));
        assertTrue(read.isEmpty());
        service.read();
        parent.runPendingTasks();
        assertEquals(1, read.size());
        assertEquals("queued", read.getFirst().content().toString(StandardCharsets.US_ASCII));
    }

    @Test
    void dropsAndCountsWhatTheQueueCannotHoldWhileNotReading() {
        stopAutoRead();
        int sent = HostChildChannel.MAX_QUEUED_READS + 3;
        for (int i = 0; i < sent; i++) {
            parent.writeInbound(datagram(KERNEL_IP, PORT, "d" + i));
        }
        assertEquals(3, service.droppedReads());
        service.close().syncUninterruptibly();
        assertEquals(sent, service.droppedReads(), "the queued ones are dropped at close");
    }

    /** Turns auto-read off, and lets one datagram take the read it had asked for already. */
    private void stopAutoRead() {
        service.config().setAutoRead(false);
        parent.writeInbound(datagram(KERNEL_IP, PORT, "takes the pending read"));
        assertEquals(1, read.size());
        read.removeFirst().release();
    }

    private static ByteBuf ascii(String text) {
        return PooledByteBufAllocator.DEFAULT.buffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** A UDP datagram from the kernel's port 40000 to the host's {@code port}. */
    private static ByteBuf datagram(int source, int port, String text) {
        ByteBuf data = ascii(text);
        try {
            return new EthernetHeader(HOST_MAC.value(), KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV4)
                    .prependTo(Frames.udp(PooledByteBufAllocator.DEFAULT,
                            Ipv4Header.of(source, HOST_IP.value(), Ipv4Packet.PROTOCOL_UDP),
                            new UdpHeader(KERNEL.getPort(), port), data, data.readerIndex(), data.readableBytes()));
        } finally {
            data.release();
        }
    }

    /** Records the events of the service's pipeline, and keeps the datagrams it reads. */
    private final class Recorder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            events.add("registered");
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            events.add("active");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add("inactive");
        }

        @Override
        public void channelUnregistered(ChannelHandlerContext ctx) {
            events.add("unregistered");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            events.add("read");
            read.add((DatagramPacket) msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            events.add("readComplete");
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            events.add("writabilityChanged " + ctx.channel().isWritable());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.add("exception " + cause.getClass().getSimpleName());
        }
    }
}
