package io.netstack.handler;

import com.sun.net.httpserver.HttpServer;
import io.netstack.tap.TapAddress;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's HTTP codecs on the host's TCP, against the kernel's HTTP: the kernel's {@code curl} fetches pages from an
 * {@link HttpServerCodec} service of the host, and an {@link HttpClientCodec} client on the host fetches a page from
 * the JDK's HTTP server on a kernel socket; on TAP and TUN, over IPv4 and IPv6, each body byte-identical.
 */
@KernelTest
@ParameterizedClass
@MethodSource("transportsAndLinks")
class HttpKernelTest {
    private static final String DEVICE = "nshttp0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String KERNEL_IPV6 = "2001:db8::1";
    private static final String HOST_IPV6 = "2001:db8::2";
    private static final int HTTP_PORT = 80;
    private static final byte[] PAGE = "<!DOCTYPE html><html><body><p>netstack</p></body></html>\n"
            .getBytes(StandardCharsets.UTF_8);
    /** Hundreds of segments and many windows: more than the host's send buffer and the kernel's initial window. */
    private static final byte[] LARGE_PAGE = randomBytes(1 << 20);
    private static final Map<String, byte[]> PAGES = Map.of("/", PAGE, "/large", LARGE_PAGE);

    @Parameter(0)
    Transport transport;
    @Parameter(1)
    Link link;
    @TempDir
    Path directory;
    private HostDevice device;
    private UserspaceHost host;

    /** The device the host is on. */
    enum Link {
        TAP, TUN;

        TapAddress address(String name) {
            return this == TAP ? new TapAddress(name) : TapAddress.tun(name);
        }
    }

    static Stream<Arguments> transportsAndLinks() {
        return Stream.of(Transport.values()).flatMap(transport -> Stream.of(Link.values())
                .map(link -> Arguments.of(transport, link)));
    }

    @BeforeEach
    void startHost() throws InterruptedException {
        host = UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02"))
                .address(Ipv4Address.parse(HOST_IP))
                .address(Ipv6Address.parse(HOST_IPV6))
                .tcpService(HTTP_PORT, new ChannelInitializer<TcpChannel>() {
                    @Override
                    protected void initChannel(TcpChannel connection) {
                        connection.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                new PageServer());
                    }
                })
                .tcpTimeWaitMillis(100)
                .build();
        device = HostDevice.bind(transport, host, link.address(DEVICE), KERNEL_IP + "/24", KERNEL_IPV6 + "/64");
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void curlGetsThePageOverIpv4() throws Exception {
        curlGets("http://" + HOST_IP + "/", PAGE);
    }

    @Test
    void curlGetsThePageOverIpv6() throws Exception {
        curlGets("http://[" + HOST_IPV6 + "]/", PAGE);
    }

    @Test
    void curlGetsAMebibytePageOverIpv4() throws Exception {
        curlGets("http://" + HOST_IP + "/large", LARGE_PAGE);
    }

    @Test
    void curlGetsAMebibytePageOverIpv6() throws Exception {
        curlGets("http://[" + HOST_IPV6 + "]/large", LARGE_PAGE);
    }

    /** curl, in the test's namespace, fetches {@code url} into a file: exit 0, the file holds {@code page}. */
    private void curlGets(String url, byte[] page) throws Exception {
        Command.assumeInstalled("curl", "curl");
        Path body = directory.resolve("body");
        // --fail: an HTTP error status exits non-zero; --globoff: the brackets of an IPv6 literal are no glob.
        Command.run(Duration.ofSeconds(60), List.of("curl", "--silent", "--show-error", "--fail", "--globoff",
                "--max-time", "30", "--output", body.toString(), url));
        assertArrayEquals(page, Files.readAllBytes(body), () -> host.summary() + "; "
                + host.tcp().connections().closedConnectionCounters());
        assertConnectionsFinishInOrder();
    }

    @Test
    void fetchesAMebibytePageFromAKernelServerOverIpv4() throws Exception {
        fetchesFromAKernelServer(KERNEL_IP);
    }

    @Test
    void fetchesAMebibytePageFromAKernelServerOverIpv6() throws Exception {
        fetchesFromAKernelServer(KERNEL_IPV6);
    }

    /**
     * The JDK's HTTP server, bound in the test thread and so in its namespace, serves {@link #LARGE_PAGE}; an
     * {@link HttpClientCodec} client on the host GETs it with {@code Connection: close}.
     */
    private void fetchesFromAKernelServer(String kernelAddress) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(kernelAddress, 0), 0);
        server.createContext("/page", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(200, LARGE_PAGE.length);
                exchange.getResponseBody().write(LARGE_PAGE);
            }
        });
        server.start();
        try {
            InetSocketAddress remote = new InetSocketAddress(kernelAddress, server.getAddress().getPort());
            ResponseCollector collector = new ResponseCollector();
            ChannelFuture connect = host.tcp().connect(remote, new ChannelInitializer<TcpChannel>() {
                @Override
                protected void initChannel(TcpChannel connection) {
                    connection.pipeline().addLast(new HttpClientCodec(),
                            new HttpObjectAggregator(2 * LARGE_PAGE.length), collector);
                }
            });
            assertTrue(connect.await(5, TimeUnit.SECONDS), "the handshake completes");
            assertTrue(connect.isSuccess(), () -> String.valueOf(connect.cause()));
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/page",
                    Unpooled.EMPTY_BUFFER);
            String hostName = kernelAddress.contains(":") ? "[" + kernelAddress + "]" : kernelAddress;
            request.headers().set(HttpHeaderNames.HOST, hostName + ":" + remote.getPort())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            connect.channel().writeAndFlush(request).sync();
            Response response = collector.response.get(30, TimeUnit.SECONDS);
            assertEquals(200, response.status());
            assertArrayEquals(LARGE_PAGE, response.body(), () -> host.summary());
            assertTrue(connect.channel().closeFuture().await(5, TimeUnit.SECONDS), "closed after the server's FIN");
        } finally {
            server.stop(0);
        }
        assertConnectionsFinishInOrder();
    }

    /** The host's connections end within seconds, none of them reset. */
    private void assertConnectionsFinishInOrder() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (host.tcp().connections().size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, host.tcp().connections().size(), "the connection is gone once both sides finished");
        assertEquals(0, host.tcp().connections().closedConnectionCounters().resetsSent()
                + host.tcp().connections().closedConnectionCounters().resetsReceived(),
                () -> host.tcp().connections().closedConnectionCounters().toString());
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }

    /** Answers a GET of one of {@link #PAGES} with it and anything else with 404, keeping the connection if asked. */
    private static final class PageServer extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            byte[] page = request.method().equals(HttpMethod.GET) ? PAGES.get(request.uri()) : null;
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                    page != null ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND,
                    page != null ? Unpooled.wrappedBuffer(page) : Unpooled.EMPTY_BUFFER);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE);
        }
    }

    /** A response's status code and body. */
    private record Response(int status, byte[] body) {
    }

    /** Completes {@link #response} with the first response the client reads. */
    private static final class ResponseCollector extends SimpleChannelInboundHandler<FullHttpResponse> {
        final CompletableFuture<Response> response = new CompletableFuture<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse full) {
            response.complete(new Response(full.status().code(), ByteBufUtil.getBytes(full.content())));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            response.completeExceptionally(cause);
            ctx.close();
        }
    }
}
