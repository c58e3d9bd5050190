package io.netstack.examples;

import io.netstack.examples.support.Curl;
import io.netstack.examples.support.DemoTap;
import io.netstack.handler.TcpChannel;
import io.netstack.handler.UserspaceHost;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A web server on the userspace host: Netty's HTTP codecs on the host's TCP, and the kernel's {@code curl} fetching
 * a page from it.
 *
 * <p>In a network namespace of its own, it creates {@code tap0} (with {@code --tun}, the TUN device {@code tun0})
 * with the kernel's side at 192.0.2.1/24 and 2001:db8::1/64, and puts a {@link UserspaceHost} at 192.0.2.2 and
 * 2001:db8::2 on the channel with a TCP service on port 80. Each connection accepted there is a {@link TcpChannel}
 * whose pipeline is set up as a Netty server's child channel would be: {@link HttpServerCodec},
 * {@link HttpObjectAggregator} and a handler answering {@code GET /} with a page. The kernel's {@code curl} fetches
 * the page over IPv4, then over IPv6. Every frame is recorded to {@code http.pcap} in the working directory, where
 * Wireshark shows the HTTP.
 *
 * <p>Arguments: {@code --tun} for a TUN device, {@code --io_uring} for the io_uring loop. Exits 0 if both fetches
 * returned the page byte-identical, else 1.
 */
public final class HttpOverTap {
    private static final int HTTP_PORT = 80;
    private static final Path PCAP_FILE = Path.of("http.pcap");
    private static final byte[] PAGE = """
            <!DOCTYPE html>
            <html><head><title>netstack</title></head>
            <body><p>Served by Netty's HTTP codecs on a userspace TCP/IP stack.</p></body></html>
            """.getBytes(StandardCharsets.UTF_8);
    private static final List<String> URLS = List.of("http://" + DemoTap.HOST_IP + "/",
            "http://[" + DemoTap.HOST_IPV6 + "]/");

    private HttpOverTap() {
    }

    public static void main(String[] args) throws Exception {
        UserspaceHost host = UserspaceHost.builder(DemoTap.HOST_MAC)
                .address(DemoTap.HOST_ADDRESS)
                .address(DemoTap.HOST_IPV6_ADDRESS)
                .tcpService(HTTP_PORT, new ChannelInitializer<TcpChannel>() {
                    @Override
                    protected void initChannel(TcpChannel connection) {
                        connection.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                new PageHandler());
                    }
                })
                .pcap(PCAP_FILE)
                .build();
        int identical = 0;
        try (DemoTap tap = DemoTap.openDualStack("HttpOverTap", args, host)) {
            if (!Curl.isInstalled()) {
                System.out.println("curl is not installed, so the kernel cannot fetch the page: install it"
                        + " (apt-get install curl; examples/demo.sh does that when run as root)");
            } else {
                for (String url : URLS) {
                    Curl.Result fetch = Curl.get(url);
                    boolean same = fetch.exitCode() == 0 && Arrays.equals(fetch.body(), PAGE);
                    System.out.printf("curl %s: exit %d, %d bytes, %s%n", url, fetch.exitCode(),
                            fetch.body().length, same ? "the page byte-identical" : "NOT the page");
                    identical += same ? 1 : 0;
                }
            }
            awaitConnectionsClosed(tap, host);
        }
        System.out.println();
        System.out.println("--- summary ---");
        System.out.println("userspace host: " + host.summary());
        System.out.println("TCP:            " + host.tcp().connections().closedConnectionCounters());
        System.out.printf("capture:        %s (tshark -r %1$s -Y http, or Wireshark)%n", PCAP_FILE);
        if (identical == URLS.size()) {
            System.out.println("OK: curl got the page over IPv4 and IPv6");
            System.exit(0);
        }
        System.out.println("FAILED: " + identical + " of " + URLS.size() + " fetches returned the page");
        System.exit(1);
    }

    /** curl exits once it has the page, while its connection's last segments may still be on their way. */
    private static void awaitConnectionsClosed(DemoTap tap, UserspaceHost host) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        // The host's state belongs to its event loop: ask there.
        while (tap.channel().eventLoop().submit(() -> host.tcp().connections().size()).get() > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Answers {@code GET /} with the page and anything else with 404, keeping the connection if the client asks. */
    private static final class PageHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean found = request.method().equals(HttpMethod.GET) && request.uri().equals("/");
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                    found ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND,
                    found ? Unpooled.wrappedBuffer(PAGE) : Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
            HttpUtil.setContentLength(response, response.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE);
        }
    }
}
