package io.netstack.examples.support;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
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
 * whatever pipeline the demo installs. A dual-stack demo adds {@value #KERNEL_IPV6_CIDR} and {@value #HOST_IPV6},
 * and may run on the TUN device {@value #TUN_DEVICE} instead. Closing it closes the channel (the device goes with it)
 * and the event loop; the namespace goes when the process exits.
 */
public final class DemoTap implements AutoCloseable {
    public static final String DEVICE = "tap0";
    public static final String KERNEL_IP = "192.0.2.1";
    public static final String KERNEL_CIDR = KERNEL_IP + "/24";
    public static final String KERNEL_MAC = "02:00:5e:10:00:01";
    public static final String HOST_IP = "192.0.2.2";
    public static final Ipv4Address HOST_ADDRESS = Ipv4Address.parse(HOST_IP);
    public static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");
    public static final String TUN_DEVICE = "tun0";
    public static final String KERNEL_IPV6 = "2001:db8::1";
    public static final String KERNEL_IPV6_CIDR = KERNEL_IPV6 + "/64";
    public static final String HOST_IPV6 = "2001:db8::2";
    public static final Ipv6Address HOST_IPV6_ADDRESS = Ipv6Address.parse(HOST_IPV6);

    private static final String IO_URING_FLAG = "--io_uring";
    private static final String TUN_FLAG = "--tun";

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
        return open(demo, args, host, false);
    }

    /**
     * Like {@link #open(String, String[], ChannelHandler)}, for a demo that speaks IPv6 too: the kernel's side also
     * gets {@value #KERNEL_IPV6_CIDR}, and {@code --tun} in {@code args} makes the device {@value #TUN_DEVICE}, a TUN
     * device of bare IP packets, instead of {@code tap0}.
     */
    public static DemoTap openDualStack(String demo, String[] args, ChannelHandler host) throws Exception {
        return open(demo, args, host, true);
    }

    private static DemoTap open(String demo, String[] args, ChannelHandler host, boolean dualStack)
            throws Exception {
        Options options = Options.parse(demo, args, dualStack);
        NetworkNamespace.enterNew();
        IoHandlerFactory loop = options.ioUring() ? IoUringIoHandler.newFactory() : EpollIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, loop);
        try {
            List<String> kernelCidrs = dualStack ? List.of(KERNEL_CIDR, KERNEL_IPV6_CIDR) : List.of(KERNEL_CIDR);
            Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class)
                    .option(TapChannelOption.ADDRESSES, kernelCidrs.stream().map(CidrAddress::parse).toList())
                    .option(TapChannelOption.LINK_UP, true)
                    .handler(host);
            String device = options.tun() ? TUN_DEVICE : DEVICE;
            if (!options.tun()) {
                bootstrap.option(TapChannelOption.MAC_ADDRESS, MacAddress.parse(KERNEL_MAC));
            }
            TapChannel channel = (TapChannel) bootstrap
                    .bind(options.tun() ? TapAddress.tun(device) : new TapAddress(device)).sync().channel();
            System.out.printf("%s: %s up in a private network namespace on the %s loop; kernel side %s%s,"
                    + " userspace host %s%s%n", demo, device, options.ioUring() ? "io_uring" : "epoll",
                    String.join(" and ", kernelCidrs), options.tun() ? "" : " (" + KERNEL_MAC + ")",
                    HOST_IP + (dualStack ? " and " + HOST_IPV6 : ""), options.tun() ? "" : " (" + HOST_MAC + ")");
            return new DemoTap(group, channel);
        } catch (Throwable t) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw t;
        }
    }

    /** The stage's arguments: {@code --io_uring} for every demo, {@code --tun} for dual-stack ones. */
    private record Options(boolean ioUring, boolean tun) {
        static Options parse(String demo, String[] args, boolean tunAllowed) {
            boolean ioUring = false;
            boolean tun = false;
            for (String arg : args) {
                if (arg.equals(IO_URING_FLAG)) {
                    ioUring = true;
                } else if (tunAllowed && arg.equals(TUN_FLAG)) {
                    tun = true;
                } else {
                    System.err.println("usage: examples/demo.sh " + demo + " [" + IO_URING_FLAG + "]"
                            + (tunAllowed ? " [" + TUN_FLAG + "]" : ""));
                    System.exit(2);
                }
            }
            if (ioUring && !TapChannel.isIoUringAvailable()) {
                System.err.println("io_uring is not available here: " + TapChannel.ioUringUnavailabilityCause());
                System.exit(2);
            }
            return new Options(ioUring, tun);
        }
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
