package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.CidrAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A host under test on a device of the kernel's, for the kernel tests: a TAP or TUN channel on a one-thread event
 * loop of the transport under test, its kernel side given an address and brought up, the host as its handler.
 * Closing it closes the channel (which deletes the device and closes the host's pcap file) and the loop.
 */
public final class HostDevice implements AutoCloseable {
    private final EventLoopGroup group;
    private final TapChannel channel;

    private HostDevice(EventLoopGroup group, TapChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Creates the device and binds the host's channel to it; returns once the kernel takes packets for its
     * addresses.
     *
     * @param transport  the event loop under test
     * @param host       the channel's handler, typically a {@link UserspaceHost}
     * @param device     the device: {@code new TapAddress(name)} or {@code TapAddress.tun(name)}
     * @param kernelCidrs the kernel's addresses on the device, e.g. {@code 192.0.2.1/24}; none for a test that adds
     *                    them itself
     * @return the bound device
     * @throws InterruptedException if interrupted while binding
     */
    public static HostDevice bind(Transport transport, ChannelHandler host, TapAddress device,
                                  String... kernelCidrs) throws InterruptedException {
        EventLoopGroup group = transport.newGroup(1);
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class)
                    .option(TapChannelOption.LINK_UP, true)
                    .handler(host);
            if (kernelCidrs.length > 0) {
                bootstrap.option(TapChannelOption.ADDRESSES, Stream.of(kernelCidrs).map(CidrAddress::parse).toList());
            }
            TapChannel channel = (TapChannel) bootstrap.bind(device).sync().channel();
            // channelActive, on which the host installs its handlers, runs after bind's future completed.
            channel.eventLoop().submit(() -> { }).sync();
            awaitLocalRoutes(channel.localAddress().name(), kernelCidrs);
            return new HostDevice(group, channel);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Waits, for at most 5 s, until the kernel delivers what comes to its IPv6 addresses on the device. It can send
     * from an address the channel gave it at once, but installs the address's local route from a work queue after
     * the link came up, and drops what arrives for the address before then: an answer of the host within a
     * millisecond of the kernel's first packet, as on a TUN device, would be lost.
     */
    private static void awaitLocalRoutes(String deviceName, String... kernelCidrs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (String cidr : kernelCidrs) {
            CidrAddress address = CidrAddress.parse(cidr);
            if (address.isIpv4()) {
                continue; // IPv4 installs its local route with the address
            }
            String local = address.address().getHostAddress();
            while (Ip.run("-6", "route", "show", "table", "local", local, "dev", deviceName).isBlank()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no local route to " + local + " on " + deviceName + " after 5 s");
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
        }
    }

    /** {@return the host's channel} */
    public TapChannel channel() {
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
