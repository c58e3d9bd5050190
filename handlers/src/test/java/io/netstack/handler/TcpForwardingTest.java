package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelConfig;
import io.netstack.tap.TapChannelOption;

import io.netstack.wire.LinkLayer;
import io.netstack.wire.VirtioNetFrame;
import io.netstack.wire.CidrAddress;
import io.netstack.tap.TunOffload;
import io.netstack.tap.testing.Binding;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.OtherNamespace;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel TCP connection between two network namespaces, through a userspace forwarder of two TapChannels: the
 * far namespace's device {@value #FAR_DEVICE} (kernel side {@value #FAR_IP}) and this namespace's
 * {@value #NEAR_DEVICE} ({@value #NEAR_IP}), whose frames a {@link FrameForwarder} pair copies across. Each test
 * sends {@value #BYTES} bytes of a pseudo-random pattern each way, checked byte by byte by the receiving socket, with
 * the forwarder's channels set up differently.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class TcpForwardingTest {
    private static final String FAR_DEVICE = "nsfar0";
    private static final String NEAR_DEVICE = "nsnear0";
    private static final String FAR_IP = "198.51.100.1";
    private static final String NEAR_IP = "198.51.100.2";
    private static final int PORT = 5001;
    private static final int BYTES = 20 << 20;
    /** The longest plain frame with an MTU of 1500: Ethernet header and one VLAN tag on top. */
    private static final int MAX_PLAIN_FRAME = 1500 + TapChannelConfig.TAP_LINK_OVERHEAD;
    private static byte[] pattern;

    @Parameter
    Transport transport;
    private EventLoopGroup group;
    private OtherNamespace far;
    private ExecutorService near;
    private final List<Channel> channels = new ArrayList<>();

    @BeforeAll
    static void makePattern() {
        pattern = new byte[BYTES];
        new Random(20261128).nextBytes(pattern);
    }

    @BeforeEach
    void setUp() throws Exception {
        // One loop for both channels: the forwarder's writes are then plain calls.
        group = transport.newGroup(1);
        far = new OtherNamespace();
        near = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            // Quiet first, so that neither channel forwards into the other while that one is closing.
            for (Channel channel : channels) {
                channel.config().setAutoRead(false);
                if (channel.pipeline().get(FrameForwarder.class) != null) {
                    channel.pipeline().remove(FrameForwarder.class);
                }
            }
            for (Channel channel : channels) {
                channel.close().sync();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            near.shutdownNow();
        } finally {
            // After the channels: their devices are gone before the namespace that holds one of them.
            far.close();
        }
        assertTrue(!Ip.linkExists(NEAR_DEVICE), NEAR_DEVICE + " is gone with its channel");
    }

    @Test
    void plainFrames() throws Exception {
        FrameStats farStats = new FrameStats();
        FrameStats nearStats = new FrameStats();
        forward(null, farStats::addHandler, null, nearStats::addHandler);

        transferBothWays();

        assertTrue(farStats.frames > 1000 && nearStats.frames > 1000, farStats + " " + nearStats);
        assertTrue(farStats.longest <= MAX_PLAIN_FRAME && nearStats.longest <= MAX_PLAIN_FRAME,
                "without offloads no frame exceeds the MTU: " + farStats + " " + nearStats);
    }

    @Test
    void offloadsOnForwardSuperFramesAsTheyAre() throws Exception {
        FrameStats farStats = new FrameStats();
        FrameStats nearStats = new FrameStats();
        TapChannel[] pair = forward(TunOffload.all(), farStats::addHandler, TunOffload.all(),
                nearStats::addHandler);
        for (TapChannel channel : pair) {
            assertTrue(channel.config().getOffloads().containsAll(
                    Set.of(TunOffload.CSUM, TunOffload.TSO4, TunOffload.TSO6)), channel.config().getOffloads()
                    + " (kernel 6.x takes TSO)");
        }

        transferBothWays();

        assertTrue(farStats.superFrames > 0 && nearStats.superFrames > 0,
                "both kernels hand over super-frames: " + farStats + " " + nearStats);
        assertTrue(farStats.longest > MAX_PLAIN_FRAME, farStats.toString());
    }

    /**
     * The far channel plain, the near one with offloads: what the far kernel sends is coalesced on the way in, and
     * the near kernel's super-frames are split on the way out.
     */
    @Test
    void splitAndCoalesceBetweenAPlainAndAnOffloadingDevice() throws Exception {
        FrameStats coalesced = new FrameStats();
        FrameStats split = new FrameStats();
        forward(null, pipeline -> {
            pipeline.add(new GroCoalescer(LinkLayer.ETHERNET));
            coalesced.addHandler(pipeline);
        }, TunOffload.all(), pipeline -> {
            split.addHandler(pipeline);
            pipeline.add(new GsoSplitter(LinkLayer.ETHERNET));
        });

        transferBothWays();

        assertTrue(coalesced.superFrames > 0, "the coalescer merged segments: " + coalesced);
        assertTrue(split.superFrames > 0, "the near kernel handed over super-frames to split: " + split);
    }

    /**
     * Binds the far and near channels on this namespace's loop, each with its offloads ({@code null}: no vnet
     * header) and its handlers before the forwarder, then moves the far device into the far namespace and gives
     * both kernel sides an address.
     */
    private TapChannel[] forward(Set<TunOffload> farOffloads, Consumer<List<ChannelHandler>> farHandlers,
                                 Set<TunOffload> nearOffloads, Consumer<List<ChannelHandler>> nearHandlers)
            throws Exception {
        EventLoop loop = group.next();
        TapChannel[] pair = new TapChannel[2];
        pair[0] = bind(loop, FAR_DEVICE, farOffloads, farHandlers);
        pair[1] = bind(loop, NEAR_DEVICE, nearOffloads, nearHandlers);
        // Both links are still down: nothing has been read that the forwarders would miss.
        pair[0].pipeline().addLast(new FrameForwarder(pair[1]));
        pair[1].pipeline().addLast(new FrameForwarder(pair[0]));
        far.adopt(FAR_DEVICE);
        far.ip("addr", "add", FAR_IP + "/24", "dev", FAR_DEVICE);
        far.ip("link", "set", FAR_DEVICE, "up");
        pair[1].config().setAddresses(List.of(CidrAddress.parse(NEAR_IP + "/24")));
        pair[1].config().setLinkUp(true);
        return pair;
    }

    private TapChannel bind(EventLoop loop, String name, Set<TunOffload> offloads,
                            Consumer<List<ChannelHandler>> handlers) throws Exception {
        List<ChannelHandler> list = new ArrayList<>();
        handlers.accept(list);
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(TapChannel.class)
                .handler(new ChannelInitializer<TapChannel>() {
                    @Override
                    protected void initChannel(TapChannel channel) {
                        list.forEach(channel.pipeline()::addLast);
                    }
                });
        if (offloads != null) {
            bootstrap.option(TapChannelOption.OFFLOADS, offloads);
        }
        return Binding.bindOrFail(bootstrap, new TapAddress(name), channels);
    }

    /** Both directions; then neither kernel may have seen a segment with a bad checksum, or retransmitted. */
    private void transferBothWays() throws Exception {
        transfer(far::submit, near::submit, NEAR_IP);
        transfer(near::submit, far::submit, FAR_IP);
        assertEquals(0, tcpCounter("InCsumErrors"), "near kernel: TCP checksum errors");
        assertEquals(0, far.call(() -> tcpCounter("InCsumErrors")), "far kernel: TCP checksum errors");
    }

    /** A counter of the "Tcp:" lines of the calling thread's namespace's /proc/net/snmp. */
    private static long tcpCounter(String name) throws Exception {
        List<String> tcp = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/net/snmp"))
                .stream().filter(line -> line.startsWith("Tcp:")).toList();
        List<String> names = List.of(tcp.get(0).split(" "));
        return Long.parseLong(tcp.get(1).split(" ")[names.indexOf(name)]);
    }

    /** Sends the pattern from a client started by {@code client} to a server started by {@code server}. */
    private static void transfer(Starter client, Starter server, String serverIp) throws Exception {
        Future<ServerSocket> listening = server.start(() -> {
            ServerSocket socket = new ServerSocket();
            socket.bind(new InetSocketAddress(serverIp, PORT));
            return socket;
        });
        ServerSocket serverSocket = OtherNamespace.await(listening);
        try (serverSocket) {
            Future<Long> received = server.start(() -> receive(serverSocket));
            Future<Void> sent = client.start(() -> {
                send(serverIp);
                return null;
            });
            OtherNamespace.await(sent);
            assertEquals(BYTES, OtherNamespace.await(received));
        }
    }

    private static void send(String serverIp) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(serverIp, PORT), 5000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            for (int offset = 0; offset < BYTES; offset += 1 << 16) {
                out.write(pattern, offset, Math.min(1 << 16, BYTES - offset));
            }
            socket.shutdownOutput();
            // Wait for the server's close, so the last bytes are known to have arrived.
            assertEquals(-1, socket.getInputStream().read());
        }
    }

    /** Accepts one connection and reads it to the end, comparing each byte with the pattern; returns the count. */
    private static long receive(ServerSocket serverSocket) throws Exception {
        serverSocket.setSoTimeout(20_000);
        try (Socket socket = serverSocket.accept()) {
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[1 << 16];
            long offset = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (offset + n > BYTES) {
                    throw new AssertionError("more than " + BYTES + " bytes arrived");
                }
                int mismatch = java.util.Arrays.mismatch(buffer, 0, n, pattern, (int) offset, (int) offset + n);
                if (mismatch >= 0) {
                    throw new AssertionError("byte " + (offset + mismatch) + " differs from what was sent");
                }
                offset += n;
            }
            return offset;
        }
    }

    @FunctionalInterface
    private interface Starter {
        <T> Future<T> start(Callable<T> task);
    }

    /** Counts the frames that pass a point of the pipeline, and the super-frames among them. */
    private static final class FrameStats extends ChannelInboundHandlerAdapter {
        volatile long frames;
        volatile long superFrames;
        volatile int longest;

        void addHandler(List<ChannelHandler> pipeline) {
            pipeline.add(this);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = msg instanceof VirtioNetFrame virtio ? virtio.content() : (ByteBuf) msg;
            frames++;
            if (msg instanceof VirtioNetFrame virtio && virtio.isGso()) {
                superFrames++;
            }
            longest = Math.max(longest, frame.readableBytes());
            ctx.fireChannelRead(msg);
        }

        @Override
        public String toString() {
            return "FrameStats(frames " + frames + ", super-frames " + superFrames + ", longest " + longest + ')';
        }
    }
}
