package io.netstack.tap.testing;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.wire.CidrAddress;
import io.netstack.tap.process.Privileges;
import io.netstack.tap.TunTapException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program the tests start as another user, with other capabilities or in a user namespace, to see what such a
 * process can do with the public API, on the loop named first: {@code EPOLL|IO_URING attach NAME} binds to an existing
 * device, {@code create NAME} creates, configures and brings up a new one, {@code drop NAME} does the same and then
 * gives up root and every capability ({@link Privileges#dropTo}). Each then reads one frame and writes one. It prints
 * {@code OK ...} and exits 0, or prints the failure and exits 3.
 */
public final class DeviceProbe {
    private static final int NOBODY = 65534;

    private DeviceProbe() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        boolean drop = args[1].equals("drop");
        boolean create = drop || args[1].equals("create");
        String name = args[2];
        EventLoopGroup group = transport.newGroup(1);
        try {
            FrameQueue frames = new FrameQueue();
            Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class).handler(frames)
                    .option(TapChannelOption.EXCLUSIVE, create);
            if (create) {
                bootstrap.option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse("192.0.2.1/24")))
                        .option(TapChannelOption.LINK_UP, true);
            }
            ChannelFuture bound = bootstrap.bind(new TapAddress(name)).await();
            if (!bound.isSuccess()) {
                Throwable cause = bound.cause();
                System.out.println("FAILED " + (cause instanceof TunTapException e ? e.errnoName() + " " : "")
                        + cause);
                System.exit(3);
            }
            TapChannel channel = (TapChannel) bound.channel();
            String dropped = "";
            if (drop) {
                Privileges.dropTo(NOBODY, NOBODY);
                long loopCapabilities = channel.eventLoop().submit(Privileges::effectiveCapabilities).get();
                String reconfigure;
                try {
                    channel.config().setMtu(1400);
                    reconfigure = "allowed";
                } catch (ChannelException e) {
                    reconfigure = e.getCause() instanceof TunTapException t ? t.errnoName() : e.toString();
                }
                dropped = " loopCapEff=" + Long.toHexString(loopCapabilities) + " reconfigure=" + reconfigure;
                // The kernel must resolve 192.0.2.2 before sending to it: an ARP request comes out of the device.
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("192.0.2.1", 0))) {
                    socket.send(new DatagramPacket(new byte[1], 1, new InetSocketAddress("192.0.2.2", 9)));
                }
            }
            if (create) {
                // An interface coming up makes the kernel send IPv6 neighbour discovery frames.
                frames.await(frame -> true, 10, TimeUnit.SECONDS).release();
            }
            channel.writeAndFlush(Unpooled.directBuffer(60).writeBytes(new byte[] {-1, -1, -1, -1, -1, -1,
                    2, 0, 0x5e, 0x10, 0, 2, (byte) 0x88, (byte) 0xb5}).writeZero(46)).sync();
            String capabilities = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("CapEff:")).findFirst().orElse("CapEff: ?");
            System.out.println("OK " + channel.localAddress() + " uid=" + new com.sun.security.auth.module
                    .UnixSystem().getUid() + " " + capabilities + " read=" + channel.metrics().framesRead()
                    + " written=" + channel.metrics().framesWritten() + dropped);
            channel.close().sync();
            frames.clear();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
