package io.netstack.handler;

import io.netstack.handler.tcp.TcpCounters;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DuplexChannel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bulk transfers between a host under test and the kernel's TCP, for the kernel tests: the host has a sink service,
 * which digests what it reads, and a source service, which sends {@link #length()} bytes of random data and closes.
 * A transfer is watched for progress rather than timed: it fails when its byte count stands still for
 * {@value #STALL_SECONDS} s.
 */
final class TcpTransfers {
    static final String KERNEL_IP = "192.0.2.1";
    static final String HOST_IP = "192.0.2.2";
    static final int SINK_PORT = 9;
    static final int SOURCE_PORT = 19;
    static final int STALL_SECONDS = 10;
    private static final int CHUNK = 64 * 1024;

    /**
     * The kernel's side of each transfer runs here, not in the common pool, which has one thread on a 2-core machine
     * and must stay free for {@code Command.run}'s readers.
     */
    private static final Executor KERNEL_SIDE = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "kernel-socket");
        thread.setDaemon(true);
        return thread;
    });

    private final byte[] data;
    private final UserspaceHost host;
    private final AtomicLong sinkBytes = new AtomicLong();
    private final CompletableFuture<byte[]> sinkDigest = new CompletableFuture<>();
    private HostDevice device;

    /** Adds the sink and source services to {@code builder} and builds the host, which sends {@code length} bytes. */
    TcpTransfers(UserspaceHost.Builder builder, int length) {
        data = new byte[length];
        new Random(length).nextBytes(data);
        host = builder.tcpService(SINK_PORT, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Sink());
            }
        }).tcpService(SOURCE_PORT, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Source());
            }
        }).build();
    }

    /** {@return a builder of the host at {@link #HOST_IP}, TIME-WAIT 100 ms} */
    static UserspaceHost.Builder hostBuilder() {
        return UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02")).address(Ipv4Address.parse(HOST_IP))
                .tcpTimeWaitMillis(100);
    }

    UserspaceHost host() {
        return host;
    }

    /** The device the host was bound to, for its event loop. */
    void device(HostDevice bound) {
        device = bound;
    }

    int length() {
        return data.length;
    }

    byte[] expectedDigest() throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /** A kernel socket sends the data to the sink and closes; returns the digest of what the sink read. */
    byte[] kernelSendsToSink() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST_IP, SINK_PORT), 5000);
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int at = 0; at < data.length; at += CHUNK) {
                        out.write(data, at, Math.min(CHUNK, data.length - at));
                    }
                    socket.shutdownOutput();
                    return socket.getInputStream().read();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, KERNEL_SIDE);
            byte[] digest = awaitProgress(sinkDigest, sinkBytes::get, "the sink");
            assertEquals(-1, awaitProgress(writer, sinkBytes::get, "the host's FIN"), "the host closes after the FIN");
            return digest;
        }
    }

    /**
     * A kernel socket sends the data to the sink over and over until {@code stop} completes, then closes.
     *
     * @return what the kernel sent and the sink read, digested, and how many bytes that was
     */
    Streamed kernelStreamsToSinkUntil(CompletableFuture<?> stop) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST_IP, SINK_PORT), 5000);
            CompletableFuture<Streamed> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    OutputStream out = socket.getOutputStream();
                    long sent = 0;
                    for (int at = 0; !stop.isDone(); at = (at + CHUNK) % (data.length - CHUNK)) {
                        out.write(data, at, CHUNK);
                        digest.update(data, at, CHUNK);
                        sent += CHUNK;
                    }
                    socket.shutdownOutput();
                    assertEquals(-1, socket.getInputStream().read(), "the host closes after the FIN");
                    return new Streamed(digest.digest(), null, sent);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }, KERNEL_SIDE);
            byte[] received = awaitProgress(sinkDigest, sinkBytes::get, "the sink");
            Streamed sent = awaitProgress(writer, sinkBytes::get, "the host's FIN");
            return new Streamed(sent.sent(), received, sent.length());
        }
    }

    /** What {@link #kernelStreamsToSinkUntil} moved: the digests of what was sent and received, and its length. */
    record Streamed(byte[] sent, byte[] received, long length) {
    }

    /** {@return the bytes the sink read so far} */
    long sinkBytes() {
        return sinkBytes.get();
    }

    /** A kernel socket reads the source's data until the source closes; returns its digest. */
    byte[] kernelReadsFromSource() throws Exception {
        AtomicLong received = new AtomicLong();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST_IP, SOURCE_PORT), 5000);
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[CHUNK];
                    for (int read; (read = in.read(buffer)) >= 0; ) {
                        digest.update(buffer, 0, read);
                        received.addAndGet(read);
                    }
                    return digest.digest();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }, KERNEL_SIDE);
            return awaitProgress(reader, received::get, "the kernel's reader");
        }
    }

    /** {@return {@code task} started on a thread of its own, for a test's side work} */
    static <T> CompletableFuture<T> inBackground(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, KERNEL_SIDE);
    }

    /** Waits for {@code done} while {@code progress} keeps growing; fails once it stood still too long. */
    <T> T awaitProgress(CompletableFuture<T> done, LongSupplier progress, String what) throws Exception {
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            try {
                return done.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now = progress.getAsLong();
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(STALL_SECONDS)) {
                    fail(what + " made no progress for " + STALL_SECONDS + " s at " + now + " bytes: " + summary());
                }
            } catch (ExecutionException e) {
                throw new AssertionError(what + " failed: " + summary(), e.getCause());
            }
        }
    }

    /** Waits until the host has no connection left (TIME-WAIT passed); returns the counters of those gone. */
    TcpCounters closedCounters() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (onLoop(() -> host.tcp().connections().size()) > 0) {
            if (System.nanoTime() > deadline) {
                fail("connections left 10 s after the transfer: " + summary());
            }
            Thread.sleep(20);
        }
        return onLoop(() -> host.tcp().connections().closedConnectionCounters());
    }

    /** {@code what}, run on the host's event loop, where the TCP's figures are written. */
    <T> T onLoop(Supplier<T> what) throws Exception {
        return device.channel().eventLoop().submit(what::get).get(10, TimeUnit.SECONDS);
    }

    String summary() {
        return host.summary() + "; closed connections: " + host.tcp().connections().closedConnectionCounters();
    }

    /** {@return the TCP segments the kernel retransmitted in the namespace of the calling thread so far
     * ({@code RetransSegs})} */
    static long kernelRetransmittedSegments() throws IOException {
        List<String> snmp = Files.readAllLines(Path.of("/proc/thread-self/net/snmp")).stream()
                .filter(line -> line.startsWith("Tcp:")).toList();
        List<String> names = List.of(snmp.get(0).split(" "));
        return Long.parseLong(snmp.get(1).split(" ")[names.indexOf("RetransSegs")]);
    }

    /** Digests what it reads; done when the channel closes. */
    private final class Sink extends ChannelInboundHandlerAdapter {
        private final MessageDigest digest;

        Sink() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            try {
                sinkBytes.addAndGet(bytes.readableBytes());
                digest.update(bytes.nioBuffer());
            } finally {
                bytes.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sinkDigest.complete(digest.digest());
            ctx.fireChannelInactive();
        }
    }

    /** Sends the data, then a FIN. */
    private final class Source extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(data))
                    .addListener(written -> ((DuplexChannel) ctx.channel()).shutdownOutput());
            ctx.fireChannelActive();
        }
    }
}
