package io.netstack.examples;

import io.netstack.examples.support.DemoTap;
import io.netstack.handler.TcpChannel;
import io.netstack.handler.UserspaceHost;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A gibibyte each way between the userspace host's TCP and a kernel socket: the kernel sends to a service on the
 * host that digests what it reads, then a client on the host sends to a kernel server that digests what it reads.
 * Each side generates the same pseudo-random stream, and the SHA-256 of what arrived must be that of what was sent.
 *
 * <p>Arguments: {@code --tun} for a TUN device, {@code --io_uring} for the io_uring loop. Prints each direction's
 * rate and exits 0 if both arrived byte-identical, else 1. The kernel tests move less, as Netty's leak detector at
 * {@code PARANOID}, which every test runs with, records every access to every buffer.
 */
public final class TcpBulk {
    private static final int SINK_PORT = 9;
    private static final int CHUNK = 64 * 1024;
    private static final long MIB = 1 << 20;

    private TcpBulk() {
    }

    public static void main(String[] args) throws Exception {
        long bytes = 1024 * MIB;
        CompletableFuture<byte[]> sunk = new CompletableFuture<>();
        UserspaceHost host = UserspaceHost.builder(DemoTap.HOST_MAC)
                .address(DemoTap.HOST_ADDRESS)
                .address(DemoTap.HOST_IPV6_ADDRESS)
                .tcpService(SINK_PORT, new ChannelInitializer<TcpChannel>() {
                    @Override
                    protected void initChannel(TcpChannel connection) {
                        connection.pipeline().addLast(new Sink(sunk));
                    }
                })
                .build();
        boolean identical;
        try (DemoTap ignored = DemoTap.openDualStack("TcpBulk", args, host)) {
            identical = toHost(bytes, sunk) & fromHost(host, bytes);
        }
        System.out.println("TCP: " + host.tcp().connections().closedConnectionCounters());
        System.out.println(identical ? "OK: both directions byte-identical" : "FAILED: a direction differed");
        System.exit(identical ? 0 : 1);
    }

    /** The kernel sends to the host's sink. */
    private static boolean toHost(long bytes, CompletableFuture<byte[]> sunk) throws Exception {
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(DemoTap.HOST_IP, SINK_PORT), 5000);
            OutputStream out = socket.getOutputStream();
            Stream stream = new Stream(1);
            byte[] chunk = new byte[CHUNK];
            for (long left = bytes; left > 0; left -= CHUNK) {
                stream.fill(chunk);
                sent.update(chunk);
                out.write(chunk);
            }
            socket.shutdownOutput();
            socket.getInputStream().read(); // the host's FIN, once it has read everything
        }
        return report("kernel -> host", bytes, start, sent.digest(), sunk.get(60, TimeUnit.SECONDS));
    }

    /** The host's client sends to a kernel server. */
    private static boolean fromHost(UserspaceHost host, long bytes) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(DemoTap.KERNEL_IP, 0));
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> digestAll(server));
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            long start = System.nanoTime();
            host.tcp().connect(new InetSocketAddress(DemoTap.KERNEL_IP, server.getLocalPort()),
                    new Source(sent, bytes)).sync();
            byte[] digest = received.get(600, TimeUnit.SECONDS);
            synchronized (sent) {
                return report("host -> kernel", bytes, start, sent.digest(), digest);
            }
        }
    }

    private static byte[] digestAll(ServerSocket server) {
        try (Socket accepted = server.accept()) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = accepted.getInputStream();
            byte[] buffer = new byte[CHUNK];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return digest.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean report(String direction, long bytes, long startNanos, byte[] sent, byte[] arrived) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        boolean same = Arrays.equals(sent, arrived);
        System.out.printf("%s: %d MiB in %.1f s, %.2f Gbit/s, SHA-256 %s %s%n", direction, bytes / MIB, seconds,
                bytes * 8 / seconds / 1e9, HexFormat.of().formatHex(arrived), same ? "matches" : "DIFFERS");
        return same;
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
                for (int b = 0; b < Long.BYTES; b++) {
                    chunk[i + b] = (byte) (state >>> (8 * b));
                }
            }
        }
    }

    /** Digests what a connection reads; completes with the digest when the peer finished. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<byte[]> sunk;
        private final MessageDigest sha;

        Sink(CompletableFuture<byte[]> sunk) {
            this.sunk = sunk;
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is in every JDK", e);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            sha.update(data.nioBuffer());
            data.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sunk.complete(sha.digest());
        }
    }

    /** Writes the stream while the channel is writable, then closes it. */
    private static final class Source extends ChannelInboundHandlerAdapter {
        private final MessageDigest sent;
        private final Stream stream = new Stream(1);
        private final byte[] chunk = new byte[CHUNK];
        private long left;

        Source(MessageDigest sent, long bytes) {
            this.sent = sent;
            this.left = bytes;
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
