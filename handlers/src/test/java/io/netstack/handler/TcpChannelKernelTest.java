package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Netty user expects of a {@link TcpChannel}, with kernel sockets at the other end: backpressure from a
 * channel that does not read, half-close both ways, a reset on {@code SO_LINGER} 0, and the same channel on a TUN
 * device.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class TcpChannelKernelTest {
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String KERNEL_IPV6 = "2001:db8::1";
    private static final String HOST_IPV6 = "2001:db8::2";
    private static final int PORT = 5001;

    @Parameter
    Transport transport;
    private HostDevice device;
    private UserspaceHost host;

    private void start(ChannelHandler service, TapAddress address) throws InterruptedException {
        host = UserspaceHost.builder()
                .address(Ipv4Address.parse(HOST_IP))
                .address(Ipv6Address.parse(HOST_IPV6))
                .tcpService(PORT, service)
                .tcpTimeWaitMillis(100)
                .build();
        device = HostDevice.bind(transport, host, address, KERNEL_IP + "/24", KERNEL_IPV6 + "/64");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (device != null) {
            device.close();
        }
    }

    private static Socket connect(String address) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(address, PORT), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /**
     * A channel with auto-read off reads nothing: the window closes, the kernel's writes stop, nothing is dropped;
     * once it reads, every byte arrives in order.
     */
    @Test
    void aChannelThatDoesNotReadHoldsThePeerBackAndLosesNothing() throws Exception {
        AtomicReference<Channel> accepted = new AtomicReference<>();
        Collector collector = new Collector();
        start(new Initializer(ch -> {
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(collector);
            accepted.set(ch);
        }), new TapAddress("nstcpa0"));
        byte[] sent = new byte[2 << 20];
        new Random(1).nextBytes(sent);
        try (Socket socket = connect(HOST_IP)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(socket, sent));
            Thread.sleep(1000);
            assertFalse(writer.isDone(), "2 MiB do not fit the windows while the host does not read");
            assertEquals(0, collector.bytes(), "nothing was read");
            TcpChannel channel = (TcpChannel) accepted.get();
            assertEquals(0, channel.droppedReads());
            channel.config().setAutoRead(true);
            writer.get(20, TimeUnit.SECONDS);
            socket.shutdownOutput();
            assertArrayEquals(sent, collector.received.get(20, TimeUnit.SECONDS));
        }
    }

    /**
     * With {@code ALLOW_HALF_CLOSURE}, the client's FIN is an event, and the service still answers on its half; its
     * close sends the FIN the client reads as the end.
     */
    @Test
    void thePeersFinIsAnEventWithHalfClosureAndTheAnswerStillFlows() throws Exception {
        start(new Initializer(ch -> {
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            ch.pipeline().addLast(new CountingAnswerer());
        }), new TapAddress("nstcpb0"));
        try (Socket socket = connect(HOST_IPV6)) {
            socket.getOutputStream().write("four".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertEquals("read 4 bytes", new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    /** {@code shutdownOutput()} sends a FIN after the data; the client may go on sending on its half. */
    @Test
    void shutdownOutputFinishesTheHostsHalfOnly() throws Exception {
        Collector collector = new Collector();
        start(new Initializer(ch -> {
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII))
                            .addListener(done -> ((TcpChannel) ctx.channel()).shutdownOutput());
                    ctx.fireChannelActive();
                }
            }, collector);
        }), new TapAddress("nstcpc0"));
        try (Socket socket = connect(HOST_IP)) {
            assertEquals("bye", new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            socket.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertEquals("still here", new String(collector.received.get(10, TimeUnit.SECONDS),
                    StandardCharsets.US_ASCII));
        }
    }

    /** {@code SO_LINGER} 0 makes {@code close()} a reset, which the kernel reports as such. */
    @Test
    void closeWithLingerZeroResetsTheConnection() throws Exception {
        start(new Initializer(ch -> {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ((ByteBuf) msg).release();
                    ctx.close();
                }
            });
        }), new TapAddress("nstcpd0"));
        try (Socket socket = connect(HOST_IP)) {
            socket.getOutputStream().write(1);
            InputStream in = socket.getInputStream();
            SocketException reset = assertThrows(SocketException.class, in::read);
            assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
        }
        assertEquals(1, host.tcp().connections().closedConnectionCounters().resetsSent());
    }

    /**
     * Keepalive: an idle connection is probed, the kernel answers and the connection lives on; once the kernel's
     * side of the device is down, the probes go unanswered and the connection times out, as the channel's
     * exception says.
     */
    @Test
    void keepaliveProbesAnIdleConnectionAndTimesOutAnUnansweringPeer() throws Exception {
        AtomicReference<TcpChannel> accepted = new AtomicReference<>();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        start(new Initializer(ch -> {
            ch.config().setKeepAlive(true).setKeepIdle(1).setKeepInterval(1).setKeepCount(2);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    failure.complete(cause);
                }
            });
            accepted.set(ch);
        }), new TapAddress("nstcpk0"));
        try (Socket socket = connect(HOST_IP)) {
            Thread.sleep(3500);
            TcpChannel channel = accepted.get();
            assertTrue(channel.isActive(), "the kernel answered the probes");
            assertTrue(channel.connection().counters().keepaliveProbes() >= 2,
                    channel.connection().counters()::toString);
            Ip.run("link", "set", "nstcpk0", "down");
            assertInstanceOf(java.net.SocketTimeoutException.class, failure.get(10, TimeUnit.SECONDS));
            assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS));
        }
    }

    /** The same channels on a TUN device, whose packets carry no Ethernet header, over both versions. */
    @Test
    void echoesOnATunDeviceOverBothVersions() throws Exception {
        start(new Initializer(ch -> ch.pipeline().addLast(new TcpServiceKernelTest.Echo())), TapAddress.tun("nstcpe0"));
        for (String address : new String[]{HOST_IP, HOST_IPV6}) {
            byte[] sent = new byte[256 * 1024];
            new Random(address.length()).nextBytes(sent);
            try (Socket socket = connect(address)) {
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(socket, sent));
                assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
                writer.get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void write(Socket socket, byte[] data) {
        try {
            socket.getOutputStream().write(data);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** Initializes each accepted channel with {@code setUp}. */
    @ChannelHandler.Sharable
    private static final class Initializer extends ChannelInboundHandlerAdapter {
        private final java.util.function.Consumer<TcpChannel> setUp;

        Initializer(java.util.function.Consumer<TcpChannel> setUp) {
            this.setUp = setUp;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            setUp.accept((TcpChannel) ctx.channel());
            ctx.pipeline().remove(this);
        }
    }

    /** Gathers what a channel reads until the peer finishes, and reads on while auto-read is off once asked. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final CompletableFuture<byte[]> received = new CompletableFuture<>();

        synchronized int bytes() {
            return bytes.size();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            synchronized (this) {
                byte[] chunk = new byte[data.readableBytes()];
                data.readBytes(chunk);
                bytes.writeBytes(chunk);
            }
            data.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                complete();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            complete();
            ctx.fireChannelInactive();
        }

        private synchronized void complete() {
            received.complete(Arrays.copyOf(bytes.toByteArray(), bytes.size()));
        }
    }

    /** Counts what it reads and, at the peer's FIN, answers with the count and closes. */
    private static final class CountingAnswerer extends ChannelInboundHandlerAdapter {
        private int read;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            read += ((ByteBuf) msg).readableBytes();
            ((ByteBuf) msg).release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(Unpooled.copiedBuffer("read " + read + " bytes", StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
