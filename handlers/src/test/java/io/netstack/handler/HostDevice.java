package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
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
     * Creates the device and binds the host's channel to it.
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
            return new HostDevice(group, channel);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
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
