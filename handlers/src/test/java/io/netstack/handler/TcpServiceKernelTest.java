package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP services of a {@link UserspaceHost} on a TAP device, with the kernel's TCP sockets as their clients, over IPv4
 * and IPv6: data echoed byte-identical, orderly close on both sides, a reset for a port nobody listens on.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class TcpServiceKernelTest {
    private static final String DEVICE = "nstcp0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String KERNEL_IPV6 = "2001:db8::1";
    private static final String HOST_IPV6 = "2001:db8::2";
    private static final int ECHO_PORT = 7;
    private static final int CLOSED_PORT = 9;

    @Parameter
    Transport transport;
    private HostDevice device;
    private UserspaceHost host;

    @BeforeEach
    void startHost() throws InterruptedException {
        host = UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02"))
                .address(Ipv4Address.parse(HOST_IP))
                .address(Ipv6Address.parse(HOST_IPV6))
                .tcpService(ECHO_PORT, new Echo())
                .tcpTimeWaitMillis(100)
                .build();
        device = HostDevice.bind(transport, host, new TapAddress(DEVICE), KERNEL_IP + "/24", KERNEL_IPV6 + "/64");
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void echoesAMebibyteOverIpv4ByteIdentical() throws Exception {
        echoes(new InetSocketAddress(HOST_IP, ECHO_PORT), 1 << 20);
    }

    @Test
    void echoesAMebibyteOverIpv6ByteIdentical() throws Exception {
        echoes(new InetSocketAddress(HOST_IPV6, ECHO_PORT), 1 << 20);
    }

    private void echoes(InetSocketAddress server, int length) throws Exception {
        byte[] sent = new byte[length];
        new Random(length).nextBytes(sent);
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setSoTimeout(10_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(socket, sent));
            byte[] received = socket.getInputStream().readNBytes(length);
            writer.get(10, TimeUnit.SECONDS);
            assertArrayEquals(digest(sent), digest(received), host.tcp().connections().closedConnectionCounters()
                    ::toString);
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the host closes after the client's FIN");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (host.tcp().connections().size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, host.tcp().connections().size(), "the connection is gone once both sides finished");
        assertEquals(length, host.tcp().connections().closedConnectionCounters().bytesReceived());
    }

    private static void write(Socket socket, byte[] data) {
        try {
            OutputStream out = socket.getOutputStream();
            for (int at = 0; at < data.length; at += 8192) {
                out.write(data, at, Math.min(8192, data.length - at));
            }
            out.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static byte[] digest(byte[] data) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /**
     * The kernel's own view of a connection to the host: both sides scale windows and use timestamps and SACK.
     * {@code ss -ti} shows the scales; the iproute2 of this machine prints no {@code ts} or {@code sack} even between
     * two kernel sockets, so those come from the kernel's {@code TCP_INFO}, read by a python3 client.
     */
    @Test
    void theKernelSeesWindowScalingTimestampsAndSackNegotiated() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST_IP, ECHO_PORT), 5000);
            String ss = Command.run(Duration.ofSeconds(10), List.of("ss", "-tin", "dst", HOST_IP));
            assertTrue(Pattern.compile("\\bwscale:2,\\d+").matcher(ss).find(),
                    "the host's shift for its 128 KiB window, then the kernel's: " + ss);
        }
        String tcpInfo = Command.run(Duration.ofSeconds(10), List.of("python3", "-c", """
                import socket
                s = socket.create_connection(("%s", %d))
                info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
                print(info[5], info[6] & 15)
                """.formatted(HOST_IP, ECHO_PORT)));
        // tcpi_options: TCPI_OPT_TIMESTAMPS 1 | TCPI_OPT_SACK 2 | TCPI_OPT_WSCALE 4; tcpi_snd_wscale: the host's.
        assertEquals("7 2", tcpInfo.strip(), "TCP_INFO's options and the host's window scale");
    }

    @Test
    void aPortNobodyListensOnRefusesTheConnection() {
        for (String address : new String[]{HOST_IP, HOST_IPV6}) {
            try (Socket socket = new Socket()) {
                assertThrows(ConnectException.class,
                        () -> socket.connect(new InetSocketAddress(address, CLOSED_PORT), 5000));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        assertEquals(2, host.tcp().connections().resetsToClosedPorts());
        assertTrue(host.tcp().connections().size() == 0);
    }

    @Test
    void connectsToAKernelServerOverIpv4() throws Exception {
        connectsToAKernelServer(KERNEL_IP);
    }

    @Test
    void connectsToAKernelServerOverIpv6() throws Exception {
        connectsToAKernelServer(KERNEL_IPV6);
    }

    /** The host's client sends 256 KiB to a kernel server that echoes them and closes; the host reads them back. */
    private void connectsToAKernelServer(String kernelAddress) throws Exception {
        byte[] sent = new byte[256 * 1024];
        new Random(7).nextBytes(sent);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(kernelAddress, 0));
            CompletableFuture<Void> kernelSide = CompletableFuture.runAsync(() -> echoOnce(server, sent.length));
            Collector collector = new Collector(sent.length);
            ChannelFuture connect = host.tcp().connect(new InetSocketAddress(kernelAddress, server.getLocalPort()),
                    new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(collector);
                        }
                    });
            assertTrue(connect.await(5, TimeUnit.SECONDS), "the handshake completes");
            assertTrue(connect.isSuccess(), () -> String.valueOf(connect.cause()));
            connect.channel().writeAndFlush(Unpooled.wrappedBuffer(sent)).sync();
            assertArrayEquals(digest(sent), digest(collector.received.get(10, TimeUnit.SECONDS)));
            kernelSide.get(10, TimeUnit.SECONDS);
            assertTrue(connect.channel().closeFuture().await(5, TimeUnit.SECONDS), "closed after the server's FIN");
        }
    }

    private static void echoOnce(ServerSocket server, int length) {
        try (Socket accepted = server.accept()) {
            byte[] data = accepted.getInputStream().readNBytes(length);
            accepted.getOutputStream().write(data);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void aConnectionToAClosedKernelPortIsRefused() throws Exception {
        ChannelFuture connect = host.tcp().connect(new InetSocketAddress(KERNEL_IP, CLOSED_PORT),
                new ChannelInboundHandlerAdapter());
        assertTrue(connect.await(5, TimeUnit.SECONDS));
        assertInstanceOf(ConnectException.class, connect.cause());
        assertTrue(connect.channel().closeFuture().await(5, TimeUnit.SECONDS));
    }

    /** Gathers what the channel reads until {@code length} bytes came. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int length;
        final CompletableFuture<byte[]> received = new CompletableFuture<>();

        Collector(int length) {
            this.length = length;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            try {
                data.readBytes(bytes, data.readableBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                data.release();
            }
            if (bytes.size() >= length) {
                received.complete(bytes.toByteArray());
            }
        }
    }

    /** Writes back what it reads. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
