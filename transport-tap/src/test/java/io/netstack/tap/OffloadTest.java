package io.netstack.tap;

import io.netstack.wire.VirtioNetFrame;
import io.netstack.wire.CidrAddress;
import io.netstack.tap.testing.Binding;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.TestFrames;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.netstack.tap.testing.TestFrames.ipv4;
import static io.netstack.tap.testing.TestFrames.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TapChannelOption#OFFLOADS} against the real kernel: the probe, the header on reads and writes. */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class OffloadTest {
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";

    @Parameter
    Transport transport;
    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final LinkedBlockingQueue<Object> read = new LinkedBlockingQueue<>();

    @BeforeEach
    void startLoop() {
        group = transport.newGroup(1);
    }

    @AfterEach
    void close() throws InterruptedException {
        for (Channel channel : channels) {
            channel.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        for (Object msg; (msg = read.poll()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private TapChannel bind(String name, Set<TunOffload> offloads) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        read.add(msg);
                    }
                });
        if (offloads != null) {
            bootstrap.option(TapChannelOption.OFFLOADS, offloads);
        }
        return Binding.bindOrFail(bootstrap, new TapAddress(name), channels);
    }

    /** ethtool's view of a feature, e.g. "tx-tcp-segmentation: on". */
    private static boolean feature(String device, String name) {
        return Ip.exec("ethtool", "-k", device).lines().anyMatch(line -> line.trim().startsWith(name + ": on"));
    }

    @Test
    void theKernelTakesTheOffloadsAndTheReadBuffersGrowForASuperFrame() throws Exception {
        TapChannel channel = bind("nsoff0", TunOffload.all());
        Set<TunOffload> on = channel.config().getOffloads();
        assertTrue(on.containsAll(EnumSet.of(TunOffload.CSUM, TunOffload.TSO4, TunOffload.TSO6, TunOffload.TSO_ECN)),
                on.toString());
        assertEquals(on, channel.config().getOption(TapChannelOption.OFFLOADS));
        assertTrue(feature("nsoff0", "tx-tcp-segmentation"), "ethtool sees TSO on");
        assertTrue(feature("nsoff0", "tx-tcp6-segmentation"));
        assertEquals(TapChannelConfig.TAP_LINK_OVERHEAD + TapChannelConfig.MAX_SUPER_PACKET_LENGTH,
                channel.config().getMaxFrameLength());
        // One byte more than the longest frame: a frame that fills its buffer was cut short.
        assertEquals(VirtioNetFrame.HEADER_LENGTH + channel.config().getMaxFrameLength() + 1,
                channel.config().readBufferLength());
    }

    @Test
    void anEmptySetGivesTheHeaderWithoutOffloads() throws Exception {
        TapChannel channel = bind("nsoff1", Set.of());
        assertEquals(Set.of(), channel.config().getOffloads());
        assertTrue(!feature("nsoff1", "tx-tcp-segmentation"));
        assertEquals(1500 + TapChannelConfig.TAP_LINK_OVERHEAD, channel.config().getMaxFrameLength());
        assertEquals(VirtioNetFrame.HEADER_LENGTH + 1518 + 1, channel.config().readBufferLength());
    }

    @Test
    void withoutTheOptionThereIsNoHeader() throws Exception {
        TapChannel channel = bind("nsoff2", null);
        assertNull(channel.config().getOffloads());
        assertEquals(1518 + 1, channel.config().readBufferLength());
    }

    @Test
    void whatTheKernelRefusesIsDropped() throws Exception {
        // TSO without checksum offload makes no sense to the kernel: EINVAL, so the probe lets it go.
        TapChannel channel = bind("nsoff3", EnumSet.of(TunOffload.TSO4));
        assertEquals(Set.of(), channel.config().getOffloads());
        assertTrue(!feature("nsoff3", "tx-tcp-segmentation"));
    }

    private TapChannel bindUp(String name, Set<TunOffload> offloads) throws Exception {
        TapChannel channel = bind(name, offloads);
        channel.config().setAddresses(List.of(CidrAddress.parse(KERNEL_IP + "/24")));
        channel.config().setLinkUp(true);
        // A static neighbour: the kernel sends to HOST_IP at once, without asking by ARP.
        Ip.run("neigh", "replace", HOST_IP, "lladdr", HOST_MAC, "dev", name, "nud", "permanent");
        return channel;
    }

    @Test
    void framesReadComeWithTheirVnetHeader() throws Exception {
        bindUp("nsoff4", TunOffload.all());
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            byte[] payload = "offloaded".getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(HOST_IP), 9));
        }
        for (;;) {
            Object msg = read.poll(5, TimeUnit.SECONDS);
            assertNotNull(msg, "no UDP datagram read");
            VirtioNetFrame frame = assertInstanceOf(VirtioNetFrame.class, msg);
            ByteBuf content = frame.content();
            boolean udp = TestFrames.etherType(content) == TestFrames.ETHERTYPE_IPV4
                    && content.getUnsignedByte(content.readerIndex() + 14 + 9) == 17;
            if (udp) {
                assertEquals(VirtioNetFrame.GSO_NONE, frame.gsoType());
                // A socket's datagram leaves its checksum to the device, which is us.
                assertTrue(frame.needsCsum(), frame.toString());
                assertEquals(14 + 20, frame.csumStart());
                assertEquals(6, frame.csumOffset());
                assertEquals(14 + 20 + 8 + 9, content.readableBytes());
                frame.release();
                return;
            }
            frame.release();
        }
    }

    @Test
    void aTunDeviceHandsOverIpPacketsBehindTheHeader() throws Exception {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class)
                .option(TapChannelOption.OFFLOADS, TunOffload.all())
                .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse(KERNEL_IP + "/24")))
                .option(TapChannelOption.LINK_UP, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        read.add(msg);
                    }
                });
        TapChannel channel = (TapChannel) bootstrap.bind(TapAddress.tun("nsofftun0")).sync().channel();
        channels.add(channel);
        assertEquals(TapChannelConfig.MAX_SUPER_PACKET_LENGTH, channel.config().getMaxFrameLength(),
                "no link header on a TUN device");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.send(new DatagramPacket(new byte[3], 3, InetAddress.getByName(HOST_IP), 9));
        }
        for (;;) {
            Object msg = read.poll(5, TimeUnit.SECONDS);
            assertNotNull(msg, "no UDP datagram read");
            VirtioNetFrame frame = assertInstanceOf(VirtioNetFrame.class, msg);
            ByteBuf packet = frame.content();
            if (packet.getUnsignedByte(packet.readerIndex()) >> 4 == 4 && packet.getUnsignedByte(
                    packet.readerIndex() + 9) == 17) {
                assertTrue(frame.needsCsum(), frame.toString());
                assertEquals(20, frame.csumStart(), "counted from the IP header");
                assertEquals(20 + 8 + 3, packet.readableBytes());
                frame.release();
                return;
            }
            frame.release();
        }
    }

    @Test
    void plainAndVirtioFramesWrittenReachTheKernel() throws Exception {
        TapChannel channel = bindUp("nsoff5", TunOffload.all());
        byte[] kernelMac = mac(Ip.macAddress("nsoff5"));
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.setSoTimeout(5000);
            int port = socket.getLocalPort();
            // A plain frame without headroom: copied behind a zero header.
            channel.writeAndFlush(udp(kernelMac, port, 40001, "copied", 0)).sync();
            // A plain frame with headroom: the header goes in front of it, in the same buffer.
            ByteBuf roomy = udp(kernelMac, port, 40002, "in place", VirtioNetFrame.HEADER_LENGTH);
            Object filtered = channel.eventLoop().submit(() -> channel.filterOutboundMessage(roomy)).get();
            assertSame(roomy, filtered, "no copy");
            assertEquals(0, roomy.readerIndex(), "the header is in the headroom");
            roomy.skipBytes(VirtioNetFrame.HEADER_LENGTH);
            channel.writeAndFlush(roomy).sync();
            // A frame whose UDP checksum the kernel completes: NEEDS_CSUM with the pseudo-header sum in place.
            ByteBuf partial = udp(kernelMac, port, 40003, "partial", 0);
            int udpStart = 14 + 20;
            long pseudo = sum(partial, 26, 8) + 17 + partial.getUnsignedShort(udpStart + 4);
            partial.setShort(udpStart + 6, (int) fold(pseudo));
            channel.writeAndFlush(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, VirtioNetFrame.GSO_NONE,
                    udpStart + 8, 0, udpStart, 6, partial)).sync();

            for (String expected : List.of("copied", "in place", "partial")) {
                DatagramPacket received = new DatagramPacket(new byte[100], 100);
                socket.receive(received);
                assertEquals(expected, new String(received.getData(), 0, received.getLength(),
                        StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void aPlainChannelRefusesAFrameThatNeedsTheKernelsHelp() throws Exception {
        TapChannel channel = bindUp("nsoff6", null);
        ByteBuf content = Unpooled.directBuffer(100).writeZero(100);
        ChannelFuture write = channel.writeAndFlush(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM,
                VirtioNetFrame.GSO_TCPV4, 54, 1448, 34, 16, content)).await();
        UnsupportedOperationException e = assertInstanceOf(UnsupportedOperationException.class, write.cause());
        assertTrue(e.getMessage().contains("OFFLOADS"), e.getMessage());
        assertEquals(0, content.refCnt());
        assertTrue(channel.isActive());
    }

    private static ByteBuf udp(byte[] kernelMac, int port, int sourcePort, String text, int headroom) {
        ByteBuf frame = Unpooled.directBuffer();
        frame.writerIndex(headroom).readerIndex(headroom);
        return TestFrames.udpFrame(frame, mac(HOST_MAC), kernelMac, ipv4(HOST_IP), ipv4(KERNEL_IP), sourcePort,
                port, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static long sum(ByteBuf buf, int index, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += buf.getUnsignedShort(index + i);
        }
        return sum;
    }

    private static long fold(long sum) {
        long folded = sum;
        while (folded > 0xffff) {
            folded = (folded & 0xffff) + (folded >>> 16);
        }
        return folded;
    }
}
