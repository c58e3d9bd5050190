package io.netstack.examples.support;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.wire.CidrAddress;
import io.netstack.tap.process.NetworkNamespace;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUringIoHandler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The stage the demos share: {@code tap0} in a network namespace of the process's own, its kernel side configured
 * as {@value #KERNEL_CIDR} and up, and a userspace host at {@value #HOST_IP} on the channel's side, which is
 * whatever pipeline the demo installs. Closing it closes the channel (the device goes with it) and the event loop;
 * the namespace goes when the process exits.
 */
public final class DemoTap implements AutoCloseable {
    public static final String DEVICE = "tap0";
    public static final String KERNEL_IP = "192.0.2.1";
    public static final String KERNEL_CIDR = KERNEL_IP + "/24";
    public static final String KERNEL_MAC = "02:00:5e:10:00:01";
    public static final String HOST_IP = "192.0.2.2";
    public static final Ipv4Address HOST_ADDRESS = Ipv4Address.parse(HOST_IP);
    public static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");

    private static final String IO_URING_FLAG = "--io_uring";

    private final EventLoopGroup group;
    private final TapChannel channel;

    private DemoTap(EventLoopGroup group, TapChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Enters a new network namespace, then starts the event loop ({@code --io_uring} in {@code args} picks
     * io_uring over epoll) and binds {@code tap0} with {@code host} as its handler. The order matters: threads
     * started before the namespace was entered would stay in the host's.
     */
    public static DemoTap open(String demo, String[] args, ChannelHandler host) throws Exception {
        boolean ioUring = parseArguments(demo, args);
        NetworkNamespace.enterNew();
        IoHandlerFactory loop = ioUring ? IoUringIoHandler.newFactory() : EpollIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, loop);
        try {
            TapChannel channel = (TapChannel) new Bootstrap().group(group).channel(TapChannel.class)
                    .option(TapChannelOption.MAC_ADDRESS, MacAddress.parse(KERNEL_MAC))
                    .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse(KERNEL_CIDR)))
                    .option(TapChannelOption.LINK_UP, true)
                    .handler(host)
                    .bind(new TapAddress(DEVICE)).sync().channel();
            System.out.printf("%s: %s up in a private network namespace on the %s loop; kernel side %s (%s),"
                    + " userspace host %s (%s)%n", demo, DEVICE, ioUring ? "io_uring" : "epoll",
                    KERNEL_CIDR, KERNEL_MAC, HOST_IP, HOST_MAC);
            return new DemoTap(group, channel);
        } catch (Throwable t) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw t;
        }
    }

    private static boolean parseArguments(String demo, String[] args) {
        boolean ioUring = false;
        for (String arg : args) {
            if (!arg.equals(IO_URING_FLAG)) {
                System.err.println("usage: examples/demo.sh " + demo + " [" + IO_URING_FLAG + "]");
                System.exit(2);
            }
            ioUring = true;
        }
        if (ioUring && !TapChannel.isIoUringAvailable()) {
            System.err.println("io_uring is not available here: " + TapChannel.ioUringUnavailabilityCause());
            System.exit(2);
        }
        return ioUring;
    }

    public TapChannel channel() {
        return channel;
    }

    /** A frame log sink that prints each line with the seconds since the demo started, like tcpdump's -ttt. */
    public static Consumer<String> frameLog() {
        long start = System.nanoTime();
        return line -> System.out.printf("%10.6f %s%n", (System.nanoTime() - start) / 1e9, line);
    }

    /**
     * The kernel's neighbour entry for the host, as {@code ip neigh} shows it, e.g.
     * {@code 192.0.2.2 lladdr 02:00:5e:10:00:02 REACHABLE}; empty if there is none. {@code ip} runs in this
     * thread's namespace, which is the demo's.
     */
    public static String kernelNeighbourEntry() throws IOException, InterruptedException {
        Process ip = new ProcessBuilder("ip", "neigh", "show", "dev", DEVICE, "to", HOST_IP)
                .redirectErrorStream(true).start();
        String output = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!ip.waitFor(5, TimeUnit.SECONDS)) {
            ip.destroyForcibly();
            throw new IOException("ip neigh did not finish within 5 s");
        }
        if (ip.exitValue() != 0) {
            throw new IOException("ip neigh exited " + ip.exitValue() + ": " + output);
        }
        return output;
    }

    /** Whether the kernel's neighbour entry for the host holds the host's MAC address. */
    public static boolean kernelKnowsHostMac(String neighbourEntry) {
        return neighbourEntry.startsWith(HOST_IP + " lladdr " + HOST_MAC + " ");
    }

    /** Closes the channel, which removes the device and, through the pipeline, closes a pcap file; then the loop. */
    @Override
    public void close() {
        try {
            channel.close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
