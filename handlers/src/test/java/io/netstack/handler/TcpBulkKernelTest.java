package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bulk data each way between the host's TCP and a kernel socket, on a TAP device: the bytes are a pseudo-random
 * stream both sides generate, and the SHA-256 of what arrived is compared with the SHA-256 of what was sent. 4 MiB
 * here, where Netty's leak detector at {@code PARANOID} records every access to every buffer and makes the host some
 * thirty times slower; the {@code TcpBulk} example moves a gibibyte each way without it, and CI runs it on both loops.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class TcpBulkKernelTest {
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final int SINK_PORT = 9;
    private static final long BYTES = 4L << 20;
    private static final int CHUNK = 64 * 1024;

    @Parameter
    Transport transport;
    private HostDevice device;
    private UserspaceHost host;
    private final DigestingSink sink = new DigestingSink();

    @BeforeEach
    void start() throws InterruptedException {
        host = UserspaceHost.builder()
                .address(Ipv4Address.parse(HOST_IP))
                .tcpService(SINK_PORT, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(sink);
                    }
                })
                .tcpTimeWaitMillis(100)
                .build();
        device = HostDevice.bind(transport, host, new TapAddress("nstcpbulk0"), KERNEL_IP + "/24");
    }

    @AfterEach
    void stop() throws InterruptedException {
        device.close();
    }

    @Test
    void bulkDataFromTheKernelArrivesByteIdentical() throws Exception {
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST_IP, SINK_PORT), 5000);
            OutputStream out = socket.getOutputStream();
            Stream stream = new Stream(1);
            byte[] chunk = new byte[CHUNK];
            for (long left = BYTES; left > 0; left -= CHUNK) {
                stream.fill(chunk);
                sent.update(chunk);
                out.write(chunk);
            }
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the host closes after the FIN");
        }
        assertEquals(BYTES, sink.total.get(60, TimeUnit.SECONDS));
        assertArrayEquals(sent.digest(), sink.digest);
    }

    @Test
    void bulkDataToTheKernelArrivesByteIdentical() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(KERNEL_IP, 0));
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> digestAll(server));
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            ChannelFuture connect = host.tcp().connect(new InetSocketAddress(KERNEL_IP, server.getLocalPort()),
                    new Source(sent));
            assertTrue(connect.await(5, TimeUnit.SECONDS));
            assertTrue(connect.isSuccess(), () -> String.valueOf(connect.cause()));
            byte[] digest = received.get(120, TimeUnit.SECONDS);
            synchronized (sent) {
                assertArrayEquals(sent.digest(), digest);
            }
        }
    }

    private static byte[] digestAll(ServerSocket server) {
        try (Socket accepted = server.accept()) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = accepted.getInputStream();
            byte[] buffer = new byte[CHUNK];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                total += n;
            }
            assertEquals(BYTES, total);
            return digest.digest();
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new RuntimeException(e);
        }
    }

    /** Bytes of a seeded xorshift generator, the same on both sides for the same seed. */
    private static final class Stream {
        private long state;

        Stream(long seed) {
            state = seed * 0x9e3779b97f4a7c15L + 1;
        }

        void fill(byte[] chunk) {
            for (int i = 0; i < chunk.length; i += Long.BYTES) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                long v = state;
                for (int b = 0; b < Long.BYTES; b++) {
                    chunk[i + b] = (byte) (v >>> (8 * b));
                }
            }
        }
    }

    /** Digests what every connection reads; completes with the byte count when the connection closes. */
    @ChannelHandler.Sharable
    private static final class DigestingSink extends ChannelInboundHandlerAdapter {
        private final MessageDigest sha;
        private long count;
        private byte[] digest;
        final CompletableFuture<Long> total = new CompletableFuture<>();

        DigestingSink() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            count += data.readableBytes();
            sha.update(data.nioBuffer());
            data.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            digest = sha.digest();
            total.complete(count);
        }
    }

    /** Writes the stream while the channel is writable, then closes. */
    private static final class Source extends ChannelInboundHandlerAdapter {
        private final MessageDigest sent;
        private final Stream stream = new Stream(2);
        private final byte[] chunk = new byte[CHUNK];
        private long left = BYTES;

        Source(MessageDigest sent) {
            this.sent = sent;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            writeWhileWritable(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeWhileWritable(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        private void writeWhileWritable(ChannelHandlerContext ctx) {
            while (left > 0 && ctx.channel().isWritable()) {
                stream.fill(chunk);
                synchronized (sent) {
                    sent.update(chunk);
                }
                // Decided before the write: a write can flush, and writability events run this method again.
                boolean last = (left -= CHUNK) <= 0;
                ChannelFuture write = ctx.write(ctx.alloc().buffer(CHUNK).writeBytes(chunk));
                if (last) {
                    write.addListener(ChannelFutureListener.CLOSE);
                }
            }
            ctx.flush();
        }
    }
}
