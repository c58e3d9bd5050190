package io.netstack.examples;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.wire.CidrAddress;
import io.netstack.tap.process.NetworkNamespace;
import io.netstack.tap.process.Privileges;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Least privilege: create and configure the device with CAP_NET_ADMIN, then become {@code nobody} with no capability
 * at all, and keep reading frames. Reconfiguring the device is then refused, as it should be.
 */
public final class LeastPrivilege {
    private static final int NOBODY = 65534;

    private LeastPrivilege() {
    }

    public static void main(String[] args) throws Exception {
        NetworkNamespace.enterNew();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        CountDownLatch arpSeen = new CountDownLatch(1);
        try {
            TapChannel tap = (TapChannel) new Bootstrap().group(group).channel(TapChannel.class)
                    .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse("192.0.2.1/24")))
                    .option(TapChannelOption.LINK_UP, true)
                    .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                            if (frame.getUnsignedShort(frame.readerIndex() + 12) == 0x0806) {
                                arpSeen.countDown();
                            }
                        }
                    })
                    .bind(new TapAddress("tap0")).sync().channel();
            System.out.printf("created %s with CAP_NET_ADMIN (CapEff=%x)%n", tap.localAddress(),
                    Privileges.effectiveCapabilities());

            Privileges.dropTo(NOBODY, NOBODY);
            long loopCapabilities = tap.eventLoop().submit(Privileges::effectiveCapabilities).get();
            System.out.printf("now uid %d: CapEff=%x here and %x on the event loop%n", NOBODY,
                    Privileges.effectiveCapabilities(), loopCapabilities);

            // The kernel resolves 192.0.2.2 with an ARP request out of tap0, which the channel still reads.
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("192.0.2.1", 0))) {
                socket.send(new DatagramPacket(new byte[1], 1, new InetSocketAddress("192.0.2.2", 9)));
            }
            boolean read = arpSeen.await(5, TimeUnit.SECONDS);
            System.out.println(read ? "still reading frames: the kernel's ARP request arrived"
                    : "no frame arrived within 5 s");
            try {
                tap.config().setMtu(1400);
                System.out.println("reconfiguring the device was allowed: privileges were NOT dropped");
                System.exit(1);
            } catch (ChannelException e) {
                System.out.println("reconfiguring is refused, as it should be: " + e.getCause().getMessage());
            }
            tap.close().sync();
            System.exit(read && loopCapabilities == 0 ? 0 : 1);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
