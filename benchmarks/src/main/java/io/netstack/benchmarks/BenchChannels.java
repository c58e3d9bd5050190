package io.netstack.benchmarks;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUringIoHandler;

import java.util.concurrent.TimeUnit;

/** How the benchmarks make their event loops and attach TapChannels to the devices of the {@link Topology}. */
final class BenchChannels {
    private BenchChannels() {
    }

    /** A single-thread event loop of {@code transport}: {@code epoll} or {@code io_uring}. */
    static EventLoopGroup newLoop(String transport) {
        IoHandlerFactory factory = switch (transport) {
            case "epoll" -> EpollIoHandler.newFactory();
            case "io_uring" -> IoUringIoHandler.newFactory();
            default -> throw new IllegalArgumentException("transport must be epoll or io_uring, not " + transport);
        };
        return new MultiThreadIoEventLoopGroup(1, factory);
    }

    /**
     * Attaches a TapChannel to {@code device} of the topology (it exists: not exclusive), with nothing in the
     * pipeline but {@code handler}.
     */
    static TapChannel attach(EventLoopGroup group, String mode, String device, ChannelHandler handler,
                             WriteBufferWaterMark watermarks) throws InterruptedException {
        return (TapChannel) new Bootstrap()
                .group(group)
                .channel(TapChannel.class)
                .option(TapChannelOption.EXCLUSIVE, false)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, watermarks)
                .handler(handler)
                .bind("tap".equals(mode) ? new TapAddress(device) : TapAddress.tun(device))
                .sync()
                .channel();
    }

    /** Shuts the loops down at once (those that were made), waiting at most a second for each. */
    static void shutdown(EventLoopGroup... groups) {
        for (EventLoopGroup group : groups) {
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }
}
