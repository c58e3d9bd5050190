package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.process.NetworkNamespace;
import io.netstack.tap.testing.Binding;
import io.netstack.tap.testing.FrameQueue;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.TestFrames;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.WrappedByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netstack.tap.testing.Transport;
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
import java.net.SocketTimeoutException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.netstack.tap.testing.TestFrames.ipv4;
import static io.netstack.tap.testing.TestFrames.mac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel against the real kernel, in a network namespace of this class's own, on each kind of loop. */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class TapChannelTest {
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";

    @Parameter
    Transport transport;
    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final FrameQueue frames = new FrameQueue();

    @BeforeEach
    void startLoop() {
        group = transport.newGroup(2);
    }

    @AfterEach
    void closeChannels() throws InterruptedException {
        for (Channel channel : channels) {
            channel.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        frames.clear();
    }

    private TapChannel bind(TapAddress address, ChannelHandler handler) throws InterruptedException {
        return Binding.bindOrFail(new Bootstrap().group(group).channel(TapChannel.class).handler(handler), address,
                channels);
    }

    private TapChannel bindUp(String name) throws InterruptedException {
        TapChannel channel = bind(new TapAddress(name), frames);
        Ip.run("addr", "add", KERNEL_IP + "/24", "dev", name);
        Ip.run("link", "set", name, "up");
        return channel;
    }

    @Test
    void bindCreatesTheDeviceAndCloseRemovesIt() throws Exception {
        TapChannel channel = bind(new TapAddress("nstap0"), frames);
        assertTrue(channel.isActive());
        assertEquals(new TapAddress("nstap0"), channel.localAddress());
        assertNull(channel.remoteAddress());
        assertTrue(Ip.linkExists("nstap0"));
        assertTrue(Ip.run("-d", "link", "show", "nstap0").contains("tun type tap"));

        channel.close().sync();
        assertFalse(channel.isOpen());
        assertFalse(channel.isActive());
        assertFalse(Ip.linkExists("nstap0"), "a non-persistent device disappears with its fd");
    }

    @Test
    void attachingToASingleQueueDeviceInUseSaysItIsInUse() throws Exception {
        bind(new TapAddress("nsbusy1"), frames);
        ChannelFuture second = new Bootstrap().group(group).channel(TapChannel.class).handler(frames)
                .option(TapChannelOption.EXCLUSIVE, false).bind(new TapAddress("nsbusy1")).await();
        TunTapException e = assertInstanceOf(TunTapException.class, second.cause());
        assertEquals(Errno.EBUSY, e.errno());
        assertTrue(e.getMessage().contains("in use") && e.getMessage().contains("MULTI_QUEUE"), e.getMessage());
        assertFalse(e.getMessage().contains("exclusive creation"), e.getMessage());
        assertTrue(channels.get(0).isActive(), "the first channel keeps its device");
    }

    @Test
    void aFrameShorterThanALinkHeaderFailsWithThatReason() throws Exception {
        TapChannel channel = bindUp("nsshort0");
        ChannelFuture write = channel.writeAndFlush(Unpooled.directBuffer(5).writeZero(5)).await();
        TunTapException e = assertInstanceOf(TunTapException.class, write.cause());
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("5-byte frame") && e.getMessage().contains("shorter than"),
                e.getMessage());
        assertFalse(e.getMessage().contains("other flags"), e.getMessage());
        assertTrue(channel.isActive(), "the channel stays open");
    }

    @Test
    void emptyNameLetsTheKernelChoose() throws Exception {
        TapChannel channel = bind(new TapAddress(""), frames);
        String name = channel.localAddress().name();
        assertTrue(name.matches("tap\\d+"), name);
        assertTrue(Ip.linkExists(name));
    }

    @Test
    void aSecondChannelCannotTakeAnExistingDevice() throws Exception {
        bind(new TapAddress("nsbusy0"), frames);
        ChannelFuture second = new Bootstrap().group(group).channel(TapChannel.class).handler(frames)
                .bind(new TapAddress("nsbusy0")).await();
        TunTapException e = assertInstanceOf(TunTapException.class, second.cause());
        assertEquals(Errno.EBUSY, e.errno());
        assertEquals("nsbusy0", e.deviceName());
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertTrue(second.channel().closeFuture().await(5, TimeUnit.SECONDS), "a channel whose bind failed closes");
        assertTrue(channels.get(0).isActive(), "the first channel keeps its device");
    }

    @Test
    void readsTheArpRequestTheKernelSends() throws Exception {
        bindUp("nsarp0");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            byte[] payload = "who is there?".getBytes(StandardCharsets.US_ASCII);
            // The kernel must resolve 192.0.2.2 first: it broadcasts an ARP request out of the TAP device.
            socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(HOST_IP), 9));
        }
        ByteBuf request = frames.await(f -> TestFrames.etherType(f) == TestFrames.ETHERTYPE_ARP,
                5, TimeUnit.SECONDS);
        try {
            assertEquals(1, TestFrames.arpOperation(request), "ARP request");
            assertArrayEquals(ipv4(HOST_IP), TestFrames.arpTargetIp(request));
            assertArrayEquals(mac(Ip.macAddress("nsarp0")), TestFrames.arpSenderMac(request));
            assertTrue(request.isDirect(), "frames are read into direct buffers");
        } finally {
            request.release();
        }
    }

    @Test
    void framesAreReadIntoBuffersOfThePooledAllocatorUnlessConfiguredOtherwise() throws Exception {
        TapChannel pooled = bindUp("nsalloc0");
        assertSame(PooledByteBufAllocator.DEFAULT, arpRequestFor("192.0.2.3").alloc());
        pooled.close().sync();

        // Set before bind: on io_uring, reads in flight keep the buffers they were given.
        ByteBufAllocator unpooled = new UnpooledByteBufAllocator(true);
        Binding.bindOrFail(new Bootstrap().group(group).channel(TapChannel.class).handler(frames)
                .option(ChannelOption.ALLOCATOR, unpooled), new TapAddress("nsalloc1"), channels);
        Ip.run("addr", "add", KERNEL_IP + "/24", "dev", "nsalloc1");
        Ip.run("link", "set", "nsalloc1", "up");
        assertSame(unpooled, arpRequestFor("192.0.2.4").alloc());
    }

    /** Makes the kernel ask for {@code ip} with an ARP request and returns the frame read (released). */
    private ByteBuf arpRequestFor(String ip) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.send(new DatagramPacket(new byte[1], 1, InetAddress.getByName(ip), 9));
        }
        ByteBuf request = frames.await(f -> TestFrames.etherType(f) == TestFrames.ETHERTYPE_ARP
                && Arrays.equals(TestFrames.arpTargetIp(f), ipv4(ip)), 5, TimeUnit.SECONDS);
        request.release();
        return request;
    }

    @Test
    void theKernelLearnsTheArpReplyWeWrite() throws Exception {
        TapChannel channel = bindUp("nsnb0");
        byte[] kernelMac = mac(Ip.macAddress("nsnb0"));
        channel.writeAndFlush(TestFrames.arpReply(mac(HOST_MAC), ipv4(HOST_IP), kernelMac, ipv4(KERNEL_IP))).sync();

        String neighbours = "";
        for (int attempt = 0; attempt < 50 && !neighbours.contains(HOST_MAC); attempt++) {
            // The kernel keeps an unsolicited reply only for an address it has an entry for; make it want one.
            Ip.run("neigh", "replace", HOST_IP, "dev", "nsnb0", "lladdr", "02:00:5e:10:00:99", "nud", "stale");
            channel.writeAndFlush(TestFrames.arpReply(mac(HOST_MAC), ipv4(HOST_IP), kernelMac, ipv4(KERNEL_IP)))
                    .sync();
            Thread.sleep(20);
            neighbours = Ip.run("neigh", "show", "dev", "nsnb0");
        }
        assertTrue(neighbours.contains(HOST_IP + " lladdr " + HOST_MAC), neighbours);
        assertEquals(0, channel.metrics().writeErrors());
    }

    @Test
    void aUdpDatagramWeWriteReachesAKernelSocket() throws Exception {
        TapChannel channel = bindUp("nsudp0");
        byte[] kernelMac = mac(Ip.macAddress("nsudp0"));
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.setSoTimeout(5000);
            byte[] payload = "hello kernel".getBytes(StandardCharsets.US_ASCII);
            ByteBuf frame = TestFrames.udpFrame(Unpooled.directBuffer(), mac(HOST_MAC), kernelMac, ipv4(HOST_IP),
                    ipv4(KERNEL_IP), 40000, socket.getLocalPort(), payload);
            channel.writeAndFlush(frame).sync();

            DatagramPacket received = new DatagramPacket(new byte[100], 100);
            socket.receive(received);
            assertEquals("hello kernel", new String(received.getData(), 0, received.getLength(),
                    StandardCharsets.US_ASCII));
            assertEquals(HOST_IP, received.getAddress().getHostAddress());
            assertEquals(40000, received.getPort());
        }
        assertEquals(1, channel.metrics().framesWritten());
    }

    @Test
    void heapAndCompositeFramesAreWrittenToo() throws Exception {
        TapChannel channel = bindUp("nsheap0");
        byte[] kernelMac = mac(Ip.macAddress("nsheap0"));
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.setSoTimeout(5000);
            ByteBuf heap = TestFrames.udpFrame(Unpooled.buffer(), mac(HOST_MAC), kernelMac, ipv4(HOST_IP),
                    ipv4(KERNEL_IP), 40001, socket.getLocalPort(), "heap".getBytes(StandardCharsets.US_ASCII));
            ByteBuf whole = TestFrames.udpFrame(Unpooled.directBuffer(), mac(HOST_MAC), kernelMac, ipv4(HOST_IP),
                    ipv4(KERNEL_IP), 40002, socket.getLocalPort(), "composite".getBytes(StandardCharsets.US_ASCII));
            CompositeByteBuf composite = Unpooled.compositeBuffer()
                    .addComponent(true, whole.retainedSlice(0, 14))
                    .addComponent(true, whole.retainedSlice(14, whole.readableBytes() - 14));
            whole.release();
            channel.write(heap);
            channel.writeAndFlush(composite).sync();

            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                DatagramPacket received = new DatagramPacket(new byte[100], 100);
                socket.receive(received);
                ports.add(received.getPort());
            }
            assertEquals(List.of(40001, 40002), ports, "both frames arrive, in order");
        }
    }

    /**
     * A loop told to stop right after a flush, its writes still in flight: Netty's close fails the outbound buffer's
     * frames and releases them, while io_uring may not have handed them to the kernel yet. Every frame the kernel
     * takes must still be the frame as written: these frames overwrite their payload when their last reference goes,
     * as the next user of a pooled buffer would. (The loop hands the kernel what was flushed before it stops.)
     */
    @Test
    void framesInFlightWhenTheLoopStopsReachTheKernelAsWritten() throws Exception {
        TapChannel channel = bindUp("nsflight0");
        channels.remove(channel); // closed by its loop, which the test stops
        byte[] kernelMac = mac(Ip.macAddress("nsflight0"));
        int count = 16;
        List<OverwrittenOnRelease> written = new ArrayList<>();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            channel.eventLoop().submit(() -> {
                for (int i = 0; i < count; i++) {
                    byte[] payload = String.format("frame %02d", i).getBytes(StandardCharsets.US_ASCII);
                    OverwrittenOnRelease frame = new OverwrittenOnRelease(TestFrames.udpFrame(
                            channel.alloc().directBuffer(), mac(HOST_MAC), kernelMac, ipv4(HOST_IP), ipv4(KERNEL_IP),
                            40000, socket.getLocalPort(), payload));
                    written.add(frame);
                    channel.write(frame);
                }
                channel.flush();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }).sync();
            assertTrue(group.terminationFuture().await(5, TimeUnit.SECONDS), "the loop stops");

            socket.setSoTimeout(2000);
            List<String> expected = new ArrayList<>();
            List<String> received = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add(String.format("frame %02d", i));
                DatagramPacket datagram = new DatagramPacket(new byte[100], 100);
                socket.receive(datagram);
                received.add(new String(datagram.getData(), 0, datagram.getLength(), StandardCharsets.US_ASCII));
            }
            assertEquals(expected, received, "each frame flushed before the stop reached the kernel as written"
                    + " (\"released\": a frame released before the kernel had it)");
        } finally {
            written.forEach(OverwrittenOnRelease::free);
        }
        assertTrue(written.stream().allMatch(OverwrittenOnRelease::released), "every frame was released");
    }

    /**
     * A frame that, when its last reference goes, has its UDP payload overwritten instead of going back to its pool;
     * {@link #free} then drops the reference that release kept.
     */
    private static final class OverwrittenOnRelease extends WrappedByteBuf {
        private static final int PAYLOAD_OFFSET = 14 + 20 + 8;
        private boolean released;

        OverwrittenOnRelease(ByteBuf memory) {
            super(memory);
        }

        @Override
        public boolean release() {
            return release(1);
        }

        @Override
        public boolean release(int decrement) {
            if (released || unwrap().refCnt() != decrement) {
                return super.release(decrement);
            }
            released = true;
            unwrap().setCharSequence(PAYLOAD_OFFSET, "released", StandardCharsets.US_ASCII);
            return true;
        }

        boolean released() {
            return released;
        }

        void free() {
            unwrap().release();
        }
    }

    @Test
    void anOversizeFrameFailsAloneAndTheChannelStaysOpen() throws Exception {
        TapChannel channel = bindUp("nsbig0");
        assertEquals(1500 + 18, channel.config().getMaxFrameLength());
        ByteBuf tooLong = Unpooled.directBuffer(1519).writeZero(1519);
        ChannelFuture write = channel.writeAndFlush(tooLong).await();
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, write.cause());
        assertTrue(e.getMessage().contains("1519 bytes") && e.getMessage().contains("1518"), e.getMessage());
        assertEquals(0, tooLong.refCnt(), "the refused frame was released");
        assertTrue(channel.isActive());
        assertEquals(1, channel.metrics().oversizeDrops());

        // The largest frame the device allows still goes through.
        byte[] kernelMac = mac(Ip.macAddress("nsbig0"));
        ByteBuf largest = TestFrames.udpFrame(Unpooled.directBuffer(), mac(HOST_MAC), kernelMac, ipv4(HOST_IP),
                ipv4(KERNEL_IP), 9, 9, new byte[1500 - 28]);
        channel.writeAndFlush(largest).sync();
    }

    @Test
    void writingSomethingElseThanAByteBufFailsWithItsType() throws Exception {
        TapChannel channel = bindUp("nstype0");
        ChannelFuture write = channel.writeAndFlush("not a frame").await();
        UnsupportedOperationException e = assertInstanceOf(UnsupportedOperationException.class, write.cause());
        assertTrue(e.getMessage().contains("String"), e.getMessage());
        assertTrue(channel.isActive());
    }

    @Test
    void writeAfterCloseFails() throws Exception {
        TapChannel channel = bindUp("nsclosed0");
        channel.close().sync();
        ByteBuf frame = Unpooled.directBuffer(60).writeZero(60);
        ChannelFuture write = channel.writeAndFlush(frame).await();
        assertInstanceOf(ClosedChannelException.class, write.cause());
        assertEquals(0, frame.refCnt());
    }

    @Test
    void bindingTwiceFails() throws Exception {
        TapChannel channel = bind(new TapAddress("nstwice0"), frames);
        ChannelFuture again = channel.bind(new TapAddress("nstwice1")).await();
        assertInstanceOf(AlreadyBoundException.class, again.cause());
        assertFalse(Ip.linkExists("nstwice1"));
    }

    @Test
    void aChannelClosedBeforeBindLeavesNothing() throws Exception {
        TapChannel channel = new TapChannel();
        group.next().register(channel).sync();
        channel.close().sync();
        ChannelFuture bind = channel.bind(new TapAddress("nsnever0")).await();
        assertInstanceOf(ClosedChannelException.class, bind.cause());
        assertFalse(Ip.linkExists("nsnever0"));
    }

    @Test
    void connectIsNotSupported() throws Exception {
        TapChannel channel = bind(new TapAddress("nsconn0"), frames);
        ChannelFuture connect = channel.connect(new TapAddress("other")).await();
        assertInstanceOf(UnsupportedOperationException.class, connect.cause());
    }

    @Test
    void refusesAnEventLoopThatIsNotEpoll() throws Exception {
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ChannelFuture registered = nio.next().register(new TapChannel()).await();
            assertFalse(registered.isSuccess());
            assertTrue(registered.cause().getMessage().contains("incompatible event loop type"),
                    registered.cause().getMessage());
        } finally {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void withoutAutoReadFramesWaitForRead() throws Exception {
        TapChannel channel = bindUp("nsmanual0");
        channel.config().setAutoRead(false);
        Thread.sleep(100);
        frames.clear();
        Ip.run("neigh", "flush", "dev", "nsmanual0");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.send(new DatagramPacket(new byte[1], 1, InetAddress.getByName(HOST_IP), 9));
        }
        Thread.sleep(300);
        assertEquals(0, frames.size(), "nothing is read while autoRead is off");
        // Each read() hands over one frame; IPv6 chatter may be queued ahead of the ARP request.
        for (int reads = 1; reads <= 20; reads++) {
            channel.read();
            ByteBuf frame = frames.poll(2, TimeUnit.SECONDS);
            assertTrue(frame != null, "read() #" + reads + " delivered no frame");
            boolean arp = TestFrames.etherType(frame) == TestFrames.ETHERTYPE_ARP;
            frame.release();
            assertEquals(0, frames.size(), "one read() delivers one frame while autoRead is off");
            if (arp) {
                return;
            }
        }
        throw new AssertionError("no ARP request among 20 frames");
    }

    @Test
    void writabilityFollowsTheWatermarks() throws Exception {
        TapChannel channel = bindUp("nswater0");
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1000, 2000));
        byte[] kernelMac = mac(Ip.macAddress("nswater0"));
        List<ChannelFuture> writes = new ArrayList<>();
        channel.eventLoop().submit(() -> {
            for (int i = 0; i < 3; i++) {
                writes.add(channel.write(TestFrames.udpFrame(Unpooled.directBuffer(), mac(HOST_MAC), kernelMac,
                        ipv4(HOST_IP), ipv4(KERNEL_IP), 9, 9, new byte[900])));
            }
            assertFalse(channel.isWritable(), "3 unflushed frames of ~950 bytes exceed the high watermark");
            channel.flush();
        }).sync();
        for (ChannelFuture write : writes) {
            assertTrue(write.await(5, TimeUnit.SECONDS) && write.isSuccess());
        }
        // Asked on the loop: a promise completes just before the loop updates the outbound buffer's byte count.
        assertTrue(channel.eventLoop().submit(channel::isWritable).get(),
                "written frames leave the outbound buffer below the low watermark");
    }

    @Test
    void readsAreCountedInTheMetrics() throws Exception {
        TapChannel channel = bindUp("nsmetric0");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.send(new DatagramPacket(new byte[1], 1, InetAddress.getByName(HOST_IP), 9));
        }
        frames.await(f -> TestFrames.etherType(f) == TestFrames.ETHERTYPE_ARP, 5, TimeUnit.SECONDS).release();
        assertTrue(channel.metrics().framesRead() >= 1);
        assertTrue(channel.metrics().bytesRead() >= 42);
    }

    @Test
    void anMtuRaisedBehindTheChannelsBackCostsOnlyCountedFrames() throws Exception {
        TapChannel channel = bindUp("nsgrow0");
        Ip.run("neigh", "replace", HOST_IP, "dev", "nsgrow0", "lladdr", HOST_MAC, "nud", "permanent");
        // Not through the channel's config: the channel learns of it from the first frame the kernel cuts short.
        Ip.run("link", "set", "nsgrow0", "mtu", "3000");
        int payload = 2500;
        int sent = 0;
        boolean arrived = false;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            while (!arrived && sent < 10) {
                socket.send(new DatagramPacket(new byte[payload], payload, InetAddress.getByName(HOST_IP), 9));
                sent++;
                arrived = frameOfLengthArrives(14 + 20 + 8 + payload, 500);
            }
        }
        assertTrue(arrived, "no whole frame of the new MTU in 10 datagrams: " + channel.metrics());
        assertTrue(sent >= 2, "the first frame after the change did not fit the buffers of the old MTU");
        assertTrue(channel.metrics().truncatedDrops() >= 1, "the frames cut short are counted: " + channel.metrics());
        assertEquals(3000, channel.config().getMtu());
    }

    private boolean frameOfLengthArrives(int length, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        ByteBuf frame;
        while ((frame = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
            int received = frame.readableBytes();
            boolean ipv4 = TestFrames.etherType(frame) == TestFrames.ETHERTYPE_IPV4;
            frame.release();
            if (ipv4 && received == length) {
                return true;
            }
            assertFalse(ipv4, "a datagram's frame reached the pipeline cut short: " + received + " of " + length);
        }
        return false;
    }

    @Test
    void theKernelIsAskedInTheDevicesNamespaceWhateverTheCallersIs() throws Exception {
        TapChannel channel = bindUp("nsstats0");
        for (int i = 0; i < 3; i++) {
            channel.writeAndFlush(TestFrames.sequenced(channel.alloc(), 60, i)).sync();
        }
        LinkStatistics here = channel.metrics().kernelStatistics();
        assertEquals(3, here.rxPackets(), "the kernel received the 3 frames we wrote");
        assertEquals(180, here.rxBytes());

        // A thread in another network namespace, where no nsstats0 exists, still gets the device's counters, and
        // its configuration.
        CompletableFuture<LinkStatistics> elsewhere = new CompletableFuture<>();
        CompletableFuture<Integer> mtuElsewhere = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                NetworkNamespace.enterNew();
                elsewhere.complete(channel.metrics().kernelStatistics());
                channel.config().setMtu(1400);
                mtuElsewhere.complete(channel.config().getMtu());
            } catch (Throwable t) {
                elsewhere.completeExceptionally(t);
                mtuElsewhere.completeExceptionally(t);
            }
        });
        thread.start();
        assertEquals(3, elsewhere.get(10, TimeUnit.SECONDS).rxPackets());
        assertEquals(1400, mtuElsewhere.get(10, TimeUnit.SECONDS));
        assertTrue(Ip.run("-j", "link", "show", "nsstats0").contains("\"mtu\":1400"));
        thread.join();
    }

    @Test
    void createAndCloseLeaksNoFileDescriptors() throws Exception {
        // Warm up whatever the first bind loads, then count.
        bind(new TapAddress("nsfd0"), new ChannelInboundHandlerAdapter()).close().sync();
        long before = openFileDescriptors();
        for (int i = 0; i < 50; i++) {
            bind(new TapAddress("nsfd0"), new ChannelInboundHandlerAdapter()).close().sync();
        }
        assertEquals(before, openFileDescriptors());
        assertFalse(Ip.linkExists("nsfd0"));
    }

    private static long openFileDescriptors() throws Exception {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void tunModeCarriesBareIpPackets() throws Exception {
        TapChannel channel = bind(TapAddress.tun("nstun0"), frames);
        assertEquals(TapAddress.tun("nstun0"), channel.localAddress());
        assertEquals(1500, channel.config().getMaxFrameLength(), "no link header in TUN mode");
        assertTrue(Ip.run("-d", "link", "show", "nstun0").contains("tun type tun"));
        Ip.run("addr", "add", KERNEL_IP + "/24", "dev", "nstun0");
        Ip.run("link", "set", "nstun0", "up");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.setSoTimeout(5000);
            byte[] payload = "over tun".getBytes(StandardCharsets.US_ASCII);
            channel.writeAndFlush(TestFrames.udpPacket(Unpooled.directBuffer(), ipv4(HOST_IP), ipv4(KERNEL_IP),
                    40003, socket.getLocalPort(), payload)).sync();
            DatagramPacket received = new DatagramPacket(new byte[100], 100);
            socket.receive(received);
            assertArrayEquals(payload, Arrays.copyOf(received.getData(), received.getLength()));

            // And the other way: the kernel routes a datagram for 192.0.2.2 into the device, no ARP needed.
            socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(HOST_IP), 7));
            ByteBuf packet = frames.await(p -> (p.getUnsignedByte(p.readerIndex()) >> 4) == 4
                    && p.getUnsignedByte(p.readerIndex() + 9) == 17, 5, TimeUnit.SECONDS);
            try {
                assertEquals(20 + 8 + payload.length, packet.readableBytes());
                assertEquals(7, packet.getUnsignedShort(packet.readerIndex() + 22), "UDP destination port");
            } finally {
                packet.release();
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the kernel socket got nothing", e);
        }
    }
}
