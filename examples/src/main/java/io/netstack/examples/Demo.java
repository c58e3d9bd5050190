package io.netstack.examples;

import io.netstack.examples.support.DemoTap;
import io.netstack.examples.support.KernelUdpSocket;
import io.netstack.examples.support.Ping;
import io.netstack.examples.support.RoundTrips;
import io.netstack.handler.UdpEchoHandler;
import io.netstack.handler.UserspaceHost;
import io.netstack.tap.TapChannelMetrics;

import java.nio.file.Path;
import java.util.Random;

/**
 * The main demo: a userspace host on a TAP device that the Linux kernel pings and exchanges UDP with.
 *
 * <p>In a network namespace of its own, it creates {@code tap0} with the kernel's side at 192.0.2.1/24 and puts a
 * {@link UserspaceHost} at 192.0.2.2 on the channel. Then the kernel pings the host (iputils {@code ping}) and sends
 * datagrams of 0 to 1472 bytes from a UDP socket to the host's echo port, checking that each comes back
 * byte-identical. Every frame is printed as it passes, {@code tcpdump -e -n} style, and recorded to
 * {@code demo.pcap} in the working directory. A summary follows.
 *
 * <p>Arguments: {@code --io_uring} to run the channel on the io_uring loop instead of epoll. Exits 0 if every ping
 * and every datagram was answered, else 1.
 */
public final class Demo {
    private static final int PINGS = 10;
    private static final double PING_INTERVAL_SECONDS = 0.2;
    private static final int DATAGRAMS = 20;
    /** The largest payload that fits the default MTU of 1500 after 20 bytes of IPv4 and 8 of UDP header. */
    private static final int MAX_UDP_PAYLOAD = 1472;
    private static final int UDP_TIMEOUT_MILLIS = 1000;
    private static final Path PCAP_FILE = Path.of("demo.pcap");

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        UserspaceHost host = UserspaceHost.builder(DemoTap.HOST_MAC)
                .address(DemoTap.HOST_ADDRESS)
                .udpEchoPort(UdpEchoHandler.ECHO_PORT)
                .frameLog(DemoTap.frameLog())
                .pcap(PCAP_FILE)
                .build();
        Ping.Result ping;
        RoundTrips udp;
        String neighbour;
        TapChannelMetrics metrics;
        try (DemoTap tap = DemoTap.open("Demo", args, host)) {
            ping = ping();
            udp = udpEchoes();
            neighbour = DemoTap.kernelNeighbourEntry();
            metrics = tap.channel().metrics();
        }
        // The channel is closed: the counters are final and demo.pcap is complete.
        boolean pingsAnswered = ping != null && ping.allAnswered(PINGS);
        boolean udpAnswered = udp.count() == DATAGRAMS;
        System.out.println();
        System.out.println("--- summary ---");
        System.out.println(ping == null
                ? "kernel ping:      not run (iputils ping is not installed)"
                : String.format("kernel ping:      %d sent, %d answered, rtt min/avg/max %.3f/%.3f/%.3f ms",
                        ping.transmitted(), ping.received(), ping.rttMin(), ping.rttAvg(), ping.rttMax()));
        System.out.printf("kernel UDP:       %d datagrams of 0..%d bytes sent, %d echoed byte-identical, %s%n",
                DATAGRAMS, MAX_UDP_PAYLOAD, udp.count(), udp);
        System.out.printf("userspace host:   frames in %d (%d bytes), out %d (%d bytes)%n",
                host.traffic().framesIn(), host.traffic().bytesIn(),
                host.traffic().framesOut(), host.traffic().bytesOut());
        System.out.printf("                  ARP replies %d, ICMP echo replies %d, UDP echoes %d%n",
                host.arp().requestsAnswered(), host.icmpEcho().repliesSent(), host.udpEcho().datagramsEchoed());
        System.out.printf("                  drops %d: %s%n", host.drops().total(), host.drops());
        System.out.println("tap0 metrics:     " + metrics);
        System.out.println("kernel neighbour: " + (neighbour.isEmpty() ? "(no entry for the host)" : neighbour));
        System.out.printf("capture:          %s, %d frames (tshark -r %1$s, or Wireshark)%n",
                PCAP_FILE, host.traffic().framesIn() + host.traffic().framesOut());
        if (pingsAnswered && udpAnswered) {
            System.out.println("OK: every ping and every UDP datagram was answered");
            System.exit(0);
        }
        System.out.println("FAILED: " + (pingsAnswered ? "" : "not every ping was answered; ")
                + (udpAnswered ? "" : "not every UDP datagram came back byte-identical"));
        System.exit(1);
    }

    /** The kernel pings the host; {@code null} if there is no ping to run. */
    private static Ping.Result ping() throws Exception {
        if (!Ping.isInstalled()) {
            // Java cannot send ICMP itself, so there is no honest substitute: say so and count it as a failure.
            System.out.println("iputils ping is not installed, so the kernel cannot ping the host: install it"
                    + " (apt-get install iputils-ping; examples/demo.sh does that when run as root)");
            return null;
        }
        System.out.printf("the kernel pings %s %d times%n", DemoTap.HOST_IP, PINGS);
        return Ping.run(DemoTap.HOST_IP, PINGS, PING_INTERVAL_SECONDS, line -> System.out.println("ping: " + line));
    }

    /** The kernel sends datagrams of sizes spread over 0..1472 bytes to the echo port, one at a time. */
    private static RoundTrips udpEchoes() throws Exception {
        System.out.printf("the kernel sends %d UDP datagrams to %s port %d%n",
                DATAGRAMS, DemoTap.HOST_IP, UdpEchoHandler.ECHO_PORT);
        RoundTrips roundTrips = new RoundTrips();
        Random random = new Random(862); // RFC 862, the echo protocol
        try (KernelUdpSocket socket = new KernelUdpSocket(DemoTap.KERNEL_IP, DemoTap.HOST_IP,
                UdpEchoHandler.ECHO_PORT, UDP_TIMEOUT_MILLIS)) {
            for (int i = 0; i < DATAGRAMS; i++) {
                byte[] payload = new byte[i * MAX_UDP_PAYLOAD / (DATAGRAMS - 1)];
                random.nextBytes(payload);
                KernelUdpSocket.Echo echo = socket.echo(payload);
                if (echo == KernelUdpSocket.Echo.IDENTICAL) {
                    roundTrips.add(socket.lastRoundTripNanos());
                } else {
                    System.out.printf("udp: datagram %d of %d bytes: %s%n", i, payload.length,
                            echo == KernelUdpSocket.Echo.NONE ? "no echo within " + UDP_TIMEOUT_MILLIS + " ms"
                                    : "the echo differs");
                }
            }
        }
        return roundTrips;
    }
}
