package io.netstack.examples;

import io.netstack.examples.support.DemoTap;
import io.netstack.examples.support.KernelUdpSocket;
import io.netstack.handler.ArpResponder;
import io.netstack.handler.DropCounters;
import io.netstack.handler.FrameLogger;
import io.netstack.handler.HostAddresses;
import io.netstack.handler.InboundFrame;
import io.netstack.handler.PacketDemultiplexer;
import io.netstack.handler.TrafficCounter;
import io.netstack.handler.UdpEchoHandler;
import io.netstack.handler.UnhandledFrameCounter;
import io.netstack.tap.TapChannelMetrics;
import io.netstack.wire.LinkLayer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * A host that answers ARP and nothing else, composed from the toolkit's handlers rather than
 * {@link io.netstack.handler.UserspaceHost}: a demultiplexer, an {@link ArpResponder}, and a counter for
 * everything else.
 *
 * <p>The kernel sends a few UDP datagrams to the host's echo port. To do so it must first resolve 192.0.2.2 with
 * ARP: the host answers, and the kernel's neighbour table then holds the host's MAC address. The datagrams
 * themselves reach the host and are dropped (there is no echo service), so none comes back.
 *
 * <p>Arguments: {@code --io_uring} to use the io_uring loop. Exits 0 if the kernel learnt the host's MAC address
 * from its ARP reply, every datagram reached the host and none was answered, else 1.
 */
public final class ArpOnly {
    private static final int DATAGRAMS = 3;
    private static final int TIMEOUT_MILLIS = 300;

    private ArpOnly() {
    }

    public static void main(String[] args) throws Exception {
        TrafficCounter traffic = new TrafficCounter();
        DropCounters drops = new DropCounters();
        ArpResponder arp = new ArpResponder(HostAddresses.of(DemoTap.HOST_MAC, DemoTap.HOST_ADDRESS));
        ChannelInitializer<Channel> arpOnlyHost = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(traffic, new FrameLogger(DemoTap.frameLog()),
                        new PacketDemultiplexer(LinkLayer.ETHERNET, drops), arp, new UnhandledFrameCounter(drops));
            }
        };
        int answered = 0;
        String neighbour;
        TapChannelMetrics metrics;
        try (DemoTap tap = DemoTap.open("ArpOnly", args, arpOnlyHost);
             KernelUdpSocket socket = new KernelUdpSocket(DemoTap.KERNEL_IP, DemoTap.HOST_IP,
                     UdpEchoHandler.ECHO_PORT, TIMEOUT_MILLIS)) {
            System.out.printf("the kernel sends %d UDP datagrams to %s port %d, which nobody serves%n",
                    DATAGRAMS, DemoTap.HOST_IP, UdpEchoHandler.ECHO_PORT);
            for (int i = 0; i < DATAGRAMS; i++) {
                if (socket.echo(new byte[] {(byte) i}) != KernelUdpSocket.Echo.NONE) {
                    answered++;
                }
            }
            neighbour = DemoTap.kernelNeighbourEntry();
            metrics = tap.channel().metrics();
        }
        boolean learnt = DemoTap.kernelKnowsHostMac(neighbour);
        System.out.println();
        System.out.println("--- summary ---");
        System.out.println("kernel neighbour: " + (neighbour.isEmpty() ? "(no entry for the host)" : neighbour));
        System.out.printf("kernel UDP:       %d datagrams sent, %d answered%n", DATAGRAMS, answered);
        System.out.printf("ARP-only host:    %s; ARP requests answered %d%n", traffic, arp.requestsAnswered());
        System.out.printf("                  drops %d, UDP among them %d: %s%n",
                drops.total(), drops.count(InboundFrame.Kind.UDP), drops);
        System.out.println("tap0 metrics:     " + metrics);
        boolean arrived = drops.count(InboundFrame.Kind.UDP) == DATAGRAMS;
        if (learnt && arp.requestsAnswered() > 0 && arrived && answered == 0) {
            System.out.println("OK: the kernel learnt " + DemoTap.HOST_MAC + " from the host's ARP reply,"
                    + " and the host answered nothing else");
            System.exit(0);
        }
        System.out.println("FAILED: " + (learnt ? "" : "the kernel has not learnt the host's MAC address; ")
                + (arrived ? "" : "not every datagram reached the host; ")
                + (answered == 0 ? "" : answered + " datagrams were answered by an ARP-only host"));
        System.exit(1);
    }
}
