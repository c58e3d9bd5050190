package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;
import io.netstack.wire.testing.FuzzInput;
import io.netstack.wire.DecodeError;
import io.netstack.testing.PcapFile;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.LinkLayerAddress;
import io.netstack.wire.MacAddress;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserspaceHostTest {
    private static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");

    @TempDir
    Path directory;

    @Test
    void talksArpPingAndUdpWithTheKernel(@TempDir Path pcapDirectory) throws Exception {
        List<String> log = new ArrayList<>();
        Path pcapFile = pcapDirectory.resolve("host.pcap");
        UserspaceHost host = UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2"))
                .frameLog(log::add)
                .pcap(pcapFile)
                .build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        List<byte[]> conversation = List.of(CapturedFrames.ARP_REQUEST, CapturedFrames.ECHO_REQUEST,
                CapturedFrames.UDP_HELLO, CapturedFrames.padded(CapturedFrames.UDP_EMPTY));
        for (byte[] frame : conversation) {
            channel.writeInbound(pooled(frame));
        }
        int replies = 0;
        for (ByteBuf frame; (frame = channel.readOutbound()) != null; replies++) {
            frame.release();
        }
        assertFalse(channel.finishAndReleaseAll());

        assertEquals(5, replies, "one announcement and four answers");
        assertEquals(4, host.traffic().framesIn());
        assertEquals(5, host.traffic().framesOut());
        assertEquals(1, host.arp().requestsAnswered());
        assertEquals(1, host.icmpEcho().repliesSent());
        assertEquals(2, host.udpEcho().datagramsEchoed());
        assertEquals(0, host.drops().total());
        assertEquals(9, log.size());
        assertTrue(log.get(0).startsWith("out 02:00:5e:10:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP"), log.get(0));
        assertTrue(log.get(2).endsWith("Reply 192.0.2.2 is-at 02:00:5e:10:00:02, length 28"), log.get(2));
        assertEquals(24 + 9 * 16 + 42 + 42 + 42 + 98 + 98 + 47 + 47 + 60 + 42, Files.size(pcapFile));
        assertEquals("frames in 4 (247 bytes), out 5 (271 bytes); ARP requests answered 1, sent 0; "
                + "NDP solicitations answered 0, sent 0, ICMP echo replies 1, UDP echoes 2; "
                + "ICMP errors sent 0, suppressed{}; TCP segments in 0, out 0; "
                + "drops 0: malformed{}, unhandled{}, outbound{}", host.summary());
        assertEquals(LinkLayer.ETHERNET, host.linkLayer(), "the default for a channel whose address does not tell");
    }

    @Test
    void countsWhatItDropsAndNeverThrows() {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel channel = announced(host);

        byte[] badIpChecksum = incremented(CapturedFrames.ECHO_REQUEST, 14 + 11);
        byte[] badIcmpChecksum = incremented(CapturedFrames.ECHO_REQUEST, 14 + 20 + 2);
        List<ByteBuf> frames = new ArrayList<>(List.of(
                pooled(new byte[0]),
                pooled(Arrays.copyOf(CapturedFrames.ECHO_REQUEST, 40)),
                pooled(badIpChecksum),
                pooled(badIcmpChecksum),
                pooled(udpToAnotherHost()),
                pooled(CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT),
                pooled(CapturedFrames.tagged(CapturedFrames.ARP_REQUEST, EthernetFrame.ETHERTYPE_VLAN, 1,
                        EthernetFrame.ETHERTYPE_VLAN, 2, EthernetFrame.ETHERTYPE_VLAN, 3))));
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = CapturedFrames.ECHO_REQUEST.clone();
            garbage[14 + random.nextInt(garbage.length - 14)] ^= (byte) (1 + random.nextInt(255));
            frames.add(pooled(Arrays.copyOf(garbage, random.nextInt(garbage.length + 1))));
        }
        for (ByteBuf frame : frames) {
            channel.writeInbound(frame);
            assertEquals(0, frame.refCnt(), "every frame consumed is released exactly once");
        }
        for (ByteBuf reply; (reply = channel.readOutbound()) != null; ) {
            reply.release();
        }
        assertFalse(channel.finishAndReleaseAll());

        DropCounters drops = host.drops();
        assertTrue(drops.count(DecodeError.IPV4_TRUNCATED) >= 1);
        assertTrue(drops.count(DecodeError.IPV4_BAD_CHECKSUM) >= 1);
        assertTrue(drops.count(DecodeError.ICMPV4_BAD_CHECKSUM) >= 1);
        assertTrue(drops.count(DecodeError.ETHERNET_TRUNCATED) >= 1);
        assertEquals(1, drops.count(DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS));
        assertEquals(1, drops.count(InboundFrame.Kind.UDP));
        assertEquals(1, drops.count(InboundFrame.Kind.IPV4_FRAGMENT));
        assertEquals(frames.size(), host.traffic().framesIn());
        assertEquals(frames.size(), drops.inboundTotal() + host.icmpEcho().repliesSent() + host.arp().requestsAnswered()
                + host.arp().requestsForOthers() + host.arp().repliesReceived() + host.udpEcho().datagramsEchoed(),
                "every frame is answered, consumed or counted as dropped: " + host.summary());
    }

    @Test
    void dropsAndCountsABadChecksumUnlessTheKernelVerifiedIt() {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel channel = announced(host);
        byte[] badIcmpChecksum = incremented(CapturedFrames.ECHO_REQUEST, 14 + 20 + 2);
        byte[] badUdpChecksum = incremented(CapturedFrames.UDP_HELLO, 14 + 20 + 7);

        channel.writeInbound(pooled(badIcmpChecksum));
        channel.writeInbound(pooled(badUdpChecksum));
        assertNull(channel.readOutbound(), "nothing answered");
        assertEquals(1, host.drops().count(DecodeError.ICMPV4_BAD_CHECKSUM));
        assertEquals(1, host.drops().count(DecodeError.UDP_BAD_CHECKSUM));

        // DATA_VALID: the kernel verified the checksums (here: says it did), so the host does not sum again.
        for (byte[] frame : List.of(badIcmpChecksum, badUdpChecksum)) {
            channel.writeInbound(VirtioNetFrame.newInstance(VirtioNetFrame.F_DATA_VALID, VirtioNetFrame.GSO_NONE,
                    0, 0, 0, 0, pooled(frame)));
            channel.<ByteBuf>readOutbound().release();
        }
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(1, host.icmpEcho().repliesSent());
        assertEquals(1, host.udpEcho().datagramsEchoed());
        assertEquals(2, host.drops().total());
        assertEquals(4, host.traffic().framesIn(), "virtio frames are counted as they come in");
    }

    /**
     * A channel of {@code host}, its gratuitous ARP sent and released, and the kernel's MAC address known to it as
     * after the kernel's ARP request, so that its answers go out at once.
     */
    private static EmbeddedChannel announced(UserspaceHost host) {
        EmbeddedChannel channel = new EmbeddedChannel(host);
        channel.<ByteBuf>readOutbound().release();
        host.arp().neighbours().put(ArpResponderTest.KERNEL_IP, ArpResponderTest.KERNEL_MAC);
        return channel;
    }

    /** A copy of {@code frame} with the byte at {@code index} one higher, which breaks the checksum over it. */
    private static byte[] incremented(byte[] frame, int index) {
        byte[] copy = frame.clone();
        copy[index]++;
        return copy;
    }

    /** The captured "hello" datagram sent to 10.0.2.2, without a checksum, which would no longer match. */
    private static byte[] udpToAnotherHost() {
        byte[] frame = CapturedFrames.withIpv4HeaderByte(CapturedFrames.UDP_HELLO, 16, 10);
        frame[14 + 20 + 6] = 0;
        frame[14 + 20 + 7] = 0;
        return frame;
    }

    @Test
    void onTunAnswersPingAndUdpWithIpPacketsAndNeverAnEthernetFrame(@TempDir Path pcapDirectory) throws Exception {
        List<String> log = new ArrayList<>();
        Path pcapFile = pcapDirectory.resolve("tun.pcap");
        UserspaceHost host = UserspaceHost.builder().address(Ipv4Address.parse("192.0.2.2")).linkLayer(LinkLayer.IP)
                .frameLog(log::add).pcap(pcapFile).build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        assertNull(channel.readOutbound(), "no ARP announcement without Ethernet");
        List<byte[]> packets = List.of(ipPacketOf(CapturedFrames.ECHO_REQUEST), ipPacketOf(CapturedFrames.UDP_HELLO),
                ipPacketOf(CapturedFrames.UDP_EMPTY), emptyIpv6Packet(), new byte[] {0x10});
        for (byte[] packet : packets) {
            channel.writeInbound(pooled(packet));
        }
        List<byte[]> replies = new ArrayList<>();
        for (ByteBuf packet; (packet = channel.readOutbound()) != null; ) {
            replies.add(ByteBufUtil.getBytes(packet));
            packet.release();
        }
        assertFalse(channel.finishAndReleaseAll());

        assertEquals(3, replies.size(), host.summary());
        InboundFrame decoded = new InboundFrame(LinkLayer.IP);
        for (byte[] reply : replies) {
            ByteBuf packet = Unpooled.wrappedBuffer(reply);
            assertNull(decoded.decode(packet), "a well-formed IP packet");
            assertNull(decoded.verifyChecksums());
            assertTrue(decoded.isIpv4(), "IPv4, not an Ethernet frame");
            assertEquals(Ipv4Address.parse("192.0.2.2").value(), decoded.ipv4().source());
            assertEquals(ArpResponderTest.KERNEL_IP, decoded.ipv4().destination());
        }
        assertEquals(InboundFrame.Kind.UDP, decoded.kind());
        assertEquals(LinkLayer.IP, host.linkLayer());
        assertEquals(1, host.icmpEcho().repliesSent());
        assertEquals(2, host.udpEcho().datagramsEchoed());
        assertEquals(1, host.drops().count(InboundFrame.Kind.IPV6_OTHER), host.summary());
        assertEquals(1, host.drops().count(InboundFrame.Kind.OTHER_ETHERTYPE), "an IP version other than 4 and 6");
        assertEquals(2, host.drops().total());
        assertEquals(0, host.arp().announcementsSent() + host.ethernet().arpRequestsSent());
        assertTrue(log.get(0).startsWith("in  IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 13393, seq 1"),
                log.get(0));
        assertTrue(log.get(1).startsWith("out IP 192.0.2.2 > 192.0.2.1: ICMP echo reply"), log.get(1));
        PcapFile pcap = PcapFile.read(pcapFile);
        assertEquals(101, pcap.linkType(), "LINKTYPE_RAW");
        assertEquals(packets.size() + replies.size(), pcap.records().size());
        assertArrayEquals(replies.get(0), pcap.records().get(1).data());
    }

    /** An IPv6 header announcing an empty ICMPv6 message, which the host does not speak yet. */
    private static byte[] emptyIpv6Packet() {
        byte[] packet = new byte[40];
        packet[0] = 0x60;
        packet[6] = (byte) 253; // the experimental protocol of RFC 3692, which the host does not speak
        packet[7] = 64;
        return packet;
    }

    /** The IPv4 packet of a captured Ethernet frame, as a TUN device would deliver it. */
    private static byte[] ipPacketOf(byte[] frame) {
        return Arrays.copyOfRange(frame, EthernetFrame.HEADER_LENGTH, frame.length);
    }

    @Test
    void takesItsLinkLayerFromTheChannelsAddress() {
        UserspaceHost host = UserspaceHost.builder().address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel channel = new TunAddressedChannel(host);
        channel.writeInbound(pooled(ipPacketOf(CapturedFrames.ECHO_REQUEST)));
        ByteBuf reply = channel.readOutbound();
        try {
            assertEquals(Ipv4Packet.VERSION, reply.getUnsignedByte(reply.readerIndex()) >>> 4);
        } finally {
            reply.release();
        }
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(LinkLayer.IP, host.linkLayer());

        UserspaceHost contradicted = UserspaceHost.builder().address(Ipv4Address.parse("192.0.2.2"))
                .linkLayer(LinkLayer.ETHERNET).build();
        EmbeddedChannel closed = new TunAddressedChannel(contradicted, new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                assertInstanceOf(IllegalStateException.class, cause);
            }
        });
        assertFalse(closed.isOpen(), "a host configured for Ethernet refuses a TUN channel");
        assertFalse(closed.finishAndReleaseAll());
    }

    /** A channel whose local address says it carries IP packets, as a TUN device's {@code TapAddress} does. */
    private static final class TunAddressedChannel extends EmbeddedChannel {
        private static final SocketAddress TUN = new TunAddress();

        TunAddressedChannel(ChannelHandler... handlers) {
            super(handlers);
        }

        @Override
        protected SocketAddress localAddress0() {
            return TUN;
        }
    }

    private static final class TunAddress extends SocketAddress implements LinkLayerAddress {
        @Override
        public LinkLayer linkLayer() {
            return LinkLayer.IP;
        }
    }

    /**
     * The whole host, from the ping the device delivers to the answer it writes, allocates nothing per frame but
     * the answer's buffer: the views are re-pointed, the headers are written without records that escape, and the
     * Ethernet header goes in place. The buffers
     * come from an allocator that hands out one buffer over and over, as a pool's thread cache does, without the
     * leak detector's tracking.
     */
    @ParameterizedTest
    @EnumSource(LinkLayer.class)
    void answersWithoutAllocatingPerFrame(LinkLayer linkLayer) {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2"))
                .linkLayer(linkLayer).build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        Allocations.Recycling allocator = new Allocations.Recycling();
        channel.config().setAllocator(allocator);
        for (ByteBuf announcement; (announcement = channel.readOutbound()) != null; ) {
            announcement.release();
        }
        host.arp().neighbours().put(ArpResponderTest.KERNEL_IP, ArpResponderTest.KERNEL_MAC);
        long[] bytesOut = {0};
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ByteBuf reply = (ByteBuf) msg;
                bytesOut[0] += reply.readableBytes();
                reply.release();
                // As the device does once a frame is written: a UDP service's write settles only then.
                promise.trySuccess();
            }
        });
        // Requests without data: copying data from one direct buffer into another slices a ByteBuffer inside Netty
        // when Unsafe is off, as on JDK 25, which C2 removes or not depending on the whole JVM's profile.
        byte[] echoRequest = echoRequestWithoutData();
        byte[] datagram = Arrays.copyOf(CapturedFrames.UDP_EMPTY, 42);
        int replyLength = 42;
        if (linkLayer == LinkLayer.IP) {
            echoRequest = ipPacketOf(echoRequest);
            datagram = ipPacketOf(datagram);
            replyLength -= EthernetFrame.HEADER_LENGTH;
        }
        ByteBuf ping = Allocations.untracked(echoRequest);
        ByteBuf udp = Allocations.untracked(datagram);
        int frames = 200_000;
        int datagrams = 1000;
        try {
            long allocated = Allocations.ofSecondRun(() -> {
                for (int i = 0; i < frames; i++) {
                    channel.pipeline().fireChannelRead(ping.retain());
                    channel.pipeline().fireChannelReadComplete();
                }
                return bytesOut[0];
            });
            assertTrue(allocated < frames, allocated + " bytes for " + frames + " pings answered");
            // A UDP service reads each datagram as a DatagramPacket, an object per datagram by design (what it
            // costs is measured by the benchmarks' HostBenchmark): here the datagrams are only answered.
            for (int i = 0; i < datagrams; i++) {
                channel.pipeline().fireChannelRead(udp.retain());
                channel.pipeline().fireChannelReadComplete();
            }
        } finally {
            ping.release();
            udp.release();
        }
        assertEquals(2L * frames, host.icmpEcho().repliesSent());
        assertEquals(datagrams, host.udpEcho().datagramsEchoed());
        assertEquals((2L * frames + datagrams) * replyLength, bytesOut[0]);
        assertEquals(0, host.drops().total(), host.summary());
        assertFalse(channel.finishAndReleaseAll());
        allocator.release();
    }

    /**
     * The same for IPv6: the host answers Neighbor Solicitations (on Ethernet) and ICMPv6 echo requests without
     * allocating per frame, its addresses matched in place and the answers' headers written without records that
     * escape.
     */
    @ParameterizedTest
    @EnumSource(LinkLayer.class)
    void answersIpv6WithoutAllocatingPerFrame(LinkLayer linkLayer) {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv6Address.parse("2001:db8::2"))
                .linkLayer(linkLayer).build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        Allocations.Recycling allocator = new Allocations.Recycling();
        channel.config().setAllocator(allocator);
        for (ByteBuf announcement; (announcement = channel.readOutbound()) != null; ) {
            announcement.release();
        }
        Ipv6Address kernel = Ipv6Address.parse("2001:db8::1");
        host.ndp().neighbours().put(kernel.high(), kernel.low(), ArpResponderTest.KERNEL_MAC);
        long[] bytesOut = {0};
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ByteBuf reply = (ByteBuf) msg;
                bytesOut[0] += reply.readableBytes();
                reply.release();
            }
        });
        byte[] echoRequest = ipv6EchoRequestWithoutData();
        if (linkLayer == LinkLayer.IP) {
            echoRequest = ipPacketOf(echoRequest);
        }
        ByteBuf ping = Allocations.untracked(echoRequest);
        ByteBuf solicitation = Allocations.untracked(CapturedIpv6Frames.NEIGHBOR_SOLICITATION);
        int frames = 200_000;
        try {
            long allocated = Allocations.ofSecondRun(() -> {
                for (int i = 0; i < frames; i++) {
                    channel.pipeline().fireChannelRead(ping.retain());
                    if (linkLayer == LinkLayer.ETHERNET) {
                        channel.pipeline().fireChannelRead(solicitation.retain());
                    }
                    channel.pipeline().fireChannelReadComplete();
                }
                return bytesOut[0];
            });
            assertTrue(allocated < frames, allocated + " bytes for " + frames + " pings and solicitations answered");
        } finally {
            ping.release();
            solicitation.release();
        }
        assertEquals(2L * frames, host.icmpEcho().repliesSent());
        if (linkLayer == LinkLayer.ETHERNET) {
            assertEquals(2L * frames, host.ndp().solicitationsAnswered());
        }
        assertEquals(0, host.drops().total(), host.summary());
        assertFalse(channel.finishAndReleaseAll());
        allocator.release();
    }

    /** The captured ICMPv6 echo request cut to its header, payload length and checksum fixed. */
    private static byte[] ipv6EchoRequestWithoutData() {
        int ip = EthernetFrame.HEADER_LENGTH;
        int icmp = ip + Ipv6Packet.HEADER_LENGTH;
        byte[] frame = Arrays.copyOf(CapturedIpv6Frames.ECHO_REQUEST, icmp + Icmpv6Packet.HEADER_LENGTH);
        frame[ip + 4] = 0;
        frame[ip + 5] = Icmpv6Packet.HEADER_LENGTH;
        frame[icmp + 2] = 0;
        frame[icmp + 3] = 0;
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        int checksum = InternetChecksum.finish(InternetChecksum.sum(buf, icmp, Icmpv6Packet.HEADER_LENGTH,
                InternetChecksum.ipv6PseudoHeaderSum(buf, ip + 8, Ipv6Packet.PROTOCOL_ICMPV6,
                        Icmpv6Packet.HEADER_LENGTH)));
        frame[icmp + 2] = (byte) (checksum >>> 8);
        frame[icmp + 3] = (byte) checksum;
        return frame;
    }

    /** The captured ping cut to its ICMP header, checksums fixed. */
    private static byte[] echoRequestWithoutData() {
        byte[] frame = Arrays.copyOf(CapturedFrames.ECHO_REQUEST, EthernetFrame.HEADER_LENGTH + 20 + 8);
        frame[EthernetFrame.HEADER_LENGTH + 2] = 0;
        frame[EthernetFrame.HEADER_LENGTH + 3] = 28;
        FuzzInput.fixIpv4Checksums(frame, EthernetFrame.HEADER_LENGTH);
        return frame;
    }

    @Test
    void servesOneChannelOnly() {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel first = new EmbeddedChannel(host);
        // ChannelInitializer reports the failure to add the host's handlers again by closing the channel.
        EmbeddedChannel second = new EmbeddedChannel(host);
        assertFalse(second.isOpen());
        assertTrue(first.isOpen());
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void validatesItsConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(MacAddress.BROADCAST)
                .address(Ipv4Address.parse("192.0.2.2")).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2")).udpEchoPort(70000).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2")).udpService(0, new UdpEchoHandler()).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2")).udpService(UdpEchoHandler.ECHO_PORT, new UdpEchoHandler())
                .build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .udpService(53, new UdpEchoHandler()).udpService(53, new UdpEchoHandler()));
    }
}
