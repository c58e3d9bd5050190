package io.netstack.examples;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.process.NetworkNamespace;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed chapter's read loop: create {@code tap0}, bring it up, print the frames the kernel sends as hex. It runs
 * in a network namespace of its own, where an interface coming up makes the kernel send IPv6 neighbour discovery
 * and multicast listener frames by itself.
 *
 * <p>Arguments: the number of frames to print (default 3). Exits 1 if they do not come within 10 seconds.
 */
public final class ReadLoop {
    private ReadLoop() {
    }

    public static void main(String[] args) throws Exception {
        int wanted = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        NetworkNamespace.enterNew();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        CountDownLatch printed = new CountDownLatch(wanted);
        AtomicInteger count = new AtomicInteger();
        try {
            Channel tap = new Bootstrap().group(group).channel(TapChannel.class)
                    .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                            if (count.incrementAndGet() <= wanted) {
                                System.out.printf("frame %d, %d bytes:%n%s%n", count.get(), frame.readableBytes(),
                                        ByteBufUtil.prettyHexDump(frame));
                                printed.countDown();
                            }
                        }
                    })
                    .bind(new TapAddress("tap0")).sync().channel();
            System.out.println("created " + tap.localAddress() + " in a private network namespace; bringing it up");
            NetDeviceControl.setUp("tap0", true);
            if (!printed.await(10, TimeUnit.SECONDS)) {
                System.err.println("only " + count.get() + " of " + wanted + " frames arrived within 10 s");
                System.exit(1);
            }
            tap.close().sync();
            System.out.println("read " + wanted + " frames from the kernel; tap0 is gone with its namespace");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
