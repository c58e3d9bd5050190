package io.netstack.examples.modular;

import io.netstack.handler.UdpEchoHandler;
import io.netstack.handler.UserspaceHost;
import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.tap.process.NetworkNamespace;
import io.netstack.wire.CidrAddress;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Enters a network namespace of its own, binds {@code tap0} on an epoll loop with the kernel's side at
 * {@value #KERNEL_CIDR}, runs a {@link UserspaceHost} at {@value #HOST_IP} behind it, and has a kernel UDP socket
 * send a datagram to the host's echo port. Prints the echo and exits 0 when it came back, else exits 1. Needs root
 * (CAP_SYS_ADMIN for the namespace, CAP_NET_ADMIN for the device).
 */
public final class UdpEcho {
    static final String KERNEL_CIDR = "192.0.2.1/24";
    static final String KERNEL_IP = "192.0.2.1";
    static final String HOST_IP = "192.0.2.2";

    private UdpEcho() {
    }

    public static void main(String[] args) throws Exception {
        // First, so that the event loop's thread starts in the new namespace.
        NetworkNamespace.enterNew();
        UserspaceHost host = UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02"))
                .address(Ipv4Address.parse(HOST_IP)).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap().group(group).channel(TapChannel.class)
                    .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse(KERNEL_CIDR)))
                    .option(TapChannelOption.LINK_UP, true)
                    .handler(host)
                    .bind(new TapAddress("tap0")).sync().channel();
            String echo = echo("hello from the module path");
            channel.close().sync();
            if (echo == null) {
                System.out.println("FAILED: no echo from the userspace host; " + host.summary());
                System.exit(1);
            }
            System.out.println("echo from the userspace host at " + HOST_IP + " on tap0 (epoll): " + echo);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Sends {@code text} from a kernel UDP socket to the host's echo port; returns what came back, or null. */
    private static String echo(String text) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(KERNEL_IP), 0))) {
            socket.setSoTimeout(5_000);
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(payload, payload.length,
                    new InetSocketAddress(InetAddress.ofLiteral(HOST_IP), UdpEchoHandler.ECHO_PORT)));
            DatagramPacket received = new DatagramPacket(new byte[1500], 1500);
            try {
                socket.receive(received);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return new String(received.getData(), received.getOffset(), received.getLength(), StandardCharsets.UTF_8);
        }
    }
}
