package io.netstack.tap.testing;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.util.concurrent.TimeUnit;

/**
 * A program the tests start in a JVM without Netty's io_uring classes, as an epoll-only application runs: it binds a
 * TapChannel named by its argument on an epoll loop, reads a frame, writes one and closes, then prints
 * {@code OK ioUringAvailable=... cause=...} and exits 0; or prints the failure and exits 3. It names no io_uring
 * class, and so does not use {@link Transport}, whose constants do.
 */
public final class EpollOnlyProbe {
    private EpollOnlyProbe() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            FrameQueue frames = new FrameQueue();
            TapChannel channel = (TapChannel) new Bootstrap().group(group).channel(TapChannel.class).handler(frames)
                    .option(TapChannelOption.LINK_UP, true).bind(new TapAddress(args[0])).sync().channel();
            // An interface coming up makes the kernel send IPv6 neighbour discovery frames.
            frames.await(frame -> true, 10, TimeUnit.SECONDS).release();
            channel.writeAndFlush(Unpooled.directBuffer(60).writeBytes(new byte[] {-1, -1, -1, -1, -1, -1,
                    2, 0, 0x5e, 0x10, 0, 2, (byte) 0x88, (byte) 0xb5}).writeZero(46)).sync();
            channel.close().sync();
            frames.clear();
            Throwable cause = TapChannel.ioUringUnavailabilityCause();
            System.out.println("OK ioUringAvailable=" + TapChannel.isIoUringAvailable() + " cause="
                    + (cause == null ? null : cause.getClass().getName()));
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(3);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
