package io.netstack.benchmarks;

import io.netstack.handler.FrameForwarder;
import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.wire.CidrAddress;
import io.netstack.tap.process.NetworkNamespace;
import io.netstack.tap.TunOffload;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUringIoHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Bulk TCP through a userspace forwarder of two TapChannels, as {@code TcpForwardingTest} sets it up: a client in a
 * private namespace ("far", device {@value #FAR_DEVICE}, {@value #FAR_IP}) sends for a fixed time to a server in
 * another ("near", {@value #NEAR_DEVICE}, {@value #NEAR_IP}); a {@link FrameForwarder} pair on one event loop copies
 * frames between the two devices, with or without {@link TapChannelOption#OFFLOADS}.
 *
 * <pre>TcpForwarderBench [offloads=on|off] [transport=epoll|io_uring] [seconds=5]</pre>
 *
 * <p>Prints one line, {@code RESULT impl=netstack-forwarder offloads=on transport=epoll gbps=N}: payload bits the
 * server received per second, after a one-second warm-up connection. Needs root; everything lives in namespaces
 * this program makes, and goes with it.
 */
public final class TcpForwarderBench {
    private static final String FAR_DEVICE = "bfar0";
    private static final String NEAR_DEVICE = "bnear0";
    private static final String FAR_IP = "198.51.100.1";
    private static final String NEAR_IP = "198.51.100.2";
    private static final int PORT = 5201;
    private static final int CHUNK = 1 << 18;
    /** A bound on the bytes of one run besides its time: 1 TB, far beyond what a few seconds can move. */
    private static final long MAX_BYTES = 1L << 40;

    private TcpForwarderBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean offloads = true;
        String transport = "epoll";
        int seconds = 5;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "offloads" -> offloads = kv[1].equals("on");
                case "transport" -> transport = kv[1];
                case "seconds" -> seconds = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + arg
                        + "; usage: TcpForwarderBench [offloads=on|off] [transport=epoll|io_uring] [seconds=5]");
            }
        }
        IoHandlerFactory factory = switch (transport) {
            case "epoll" -> EpollIoHandler.newFactory();
            case "io_uring" -> IoUringIoHandler.newFactory();
            default -> throw new IllegalArgumentException("transport must be epoll or io_uring: " + transport);
        };

        // The near namespace is this thread's; everything created from here on (loop, server thread) lives there.
        NetworkNamespace.enterNew();
        ExecutorService near = Executors.newCachedThreadPool();
        ExecutorService far = Executors.newSingleThreadExecutor();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, factory);
        List<TapChannel> channels = new ArrayList<>();
        try {
            String farThread = far.submit(() -> {
                NetworkNamespace.enterNew();
                return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            }).get();
            EventLoop loop = group.next();
            TapChannel farChannel = bind(loop, FAR_DEVICE, offloads);
            TapChannel nearChannel = bind(loop, NEAR_DEVICE, offloads);
            channels.add(farChannel);
            channels.add(nearChannel);
            farChannel.pipeline().addLast(new FrameForwarder(nearChannel));
            nearChannel.pipeline().addLast(new FrameForwarder(farChannel));
            // Devices are made here and one moves out: a single loop serves both, and the fd does not care.
            ip("link", "set", "dev", FAR_DEVICE, "netns", farThread);
            far.submit(() -> {
                ip("link", "set", "lo", "up");
                ip("addr", "add", FAR_IP + "/24", "dev", FAR_DEVICE);
                return ip("link", "set", FAR_DEVICE, "up");
            }).get();
            nearChannel.config().setAddresses(List.of(CidrAddress.parse(NEAR_IP + "/24")));
            nearChannel.config().setLinkUp(true);

            transfer(near, far, 1);
            double gbps = transfer(near, far, seconds);
            System.out.printf(Locale.ROOT, "RESULT impl=netstack-forwarder offloads=%s transport=%s gbps=%.2f%n",
                    offloads ? "on" : "off", transport, gbps);
        } finally {
            for (TapChannel channel : channels) {
                channel.config().setAutoRead(false);
                channel.pipeline().remove(FrameForwarder.class);
            }
            for (TapChannel channel : channels) {
                channel.close().sync();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            far.shutdownNow();
            near.shutdownNow();
        }
    }

    private static TapChannel bind(EventLoop loop, String name, boolean offloads) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(TapChannel.class)
                .handler(new ChannelInboundHandlerAdapter());
        if (offloads) {
            bootstrap.option(TapChannelOption.OFFLOADS, TunOffload.all());
        }
        return (TapChannel) bootstrap.bind(new TapAddress(name)).sync().channel();
    }

    /** Sends for {@code seconds} from the far namespace to the near one; returns the payload rate in Gbit/s. */
    private static double transfer(ExecutorService near, ExecutorService far, int seconds) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(NEAR_IP, PORT)); // this thread is in the near namespace
            Future<double[]> received = near.submit(() -> receive(server));
            Future<Void> sent = far.submit(() -> {
                send(seconds);
                return null;
            });
            sent.get(seconds + 30L, TimeUnit.SECONDS);
            double[] bytesAndNanos = received.get(30, TimeUnit.SECONDS);
            return bytesAndNanos[0] * 8 / bytesAndNanos[1];
        }
    }

    private static void send(int seconds) throws IOException {
        byte[] chunk = new byte[CHUNK];
        new Random(1).nextBytes(chunk);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(NEAR_IP, PORT), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            for (long sent = 0; sent < MAX_BYTES && System.nanoTime() < deadline; sent += CHUNK) {
                out.write(chunk);
            }
            socket.shutdownOutput();
            socket.getInputStream().read();
        }
    }

    /** Reads one connection to its end: {bytes, nanoseconds from the first byte to the end}. */
    private static double[] receive(ServerSocket server) throws IOException {
        server.setSoTimeout(30_000);
        try (Socket socket = server.accept()) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[CHUNK];
            long bytes = 0;
            long start = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (bytes == 0) {
                    start = System.nanoTime();
                }
                bytes += n;
            }
            return new double[] {bytes, System.nanoTime() - start};
        }
    }

    /** Runs {@code ip ARGS...} in the calling thread's namespace (this is a benchmark, not the library). */
    private static String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
