package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host's ICMP errors as the kernel receives them: a kernel UDP socket connected to a closed port of the host
 * gets ECONNREFUSED (the JDK's {@link PortUnreachableException}) on its next receive, over IPv4 and IPv6, on a TAP
 * device (where the host answers ARP and Neighbor Discovery) and on a TUN device; a connected raw socket of the kernel's sending
 * a protocol the host does not know gets the error the kernel makes of a protocol unreachable or of a Parameter
 * Problem; the rate limit and the ban on errors about broadcasts hold through the host; tshark reads every error as
 * well-formed.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class UnreachableResponderKernelTest {
    private static final String DEVICE = "nsunr0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String BROADCAST_IP = "192.0.2.255";
    private static final String KERNEL_IP6 = "2001:db8::1";
    private static final String HOST_IP6 = "2001:db8::2";
    private static final int ECHO_PORT = 7;
    private static final int CLOSED_PORT = 9;
    /** A protocol number for experiments (RFC 3692), which the host does not implement. */
    private static final int EXPERIMENTAL_PROTOCOL = 253;
    /**
     * A connected raw socket of the kernel's that sends one packet of {@code EXPERIMENTAL_PROTOCOL} and prints the
     * name of the errno its next receive fails with. The JDK has no raw sockets, so Python's stand in.
     */
    private static final String RAW_SOCKET_SCRIPT = """
            import errno, socket, sys
            family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
            s = socket.socket(family, socket.SOCK_RAW, int(sys.argv[3]))
            s.bind((sys.argv[1], 0))
            s.connect((sys.argv[2], 0))
            s.settimeout(5)
            s.send(b'netstack')
            try:
                s.recv(100)
                print('received')
            except socket.timeout:
                print('timeout')
            except OSError as e:
                print(errno.errorcode[e.errno])
            """;

    @Parameter
    Transport transport;
    @TempDir
    Path directory;
    private Path pcapFile;
    private HostDevice device;
    private UserspaceHost host;
    private TapChannel channel;

    /** The kind of device the host runs on. */
    enum Link {
        /** Ethernet frames, with ARP and Neighbor Discovery. */
        TAP,
        /** Bare IP packets. */
        TUN
    }

    /**
     * Starts a host with an IPv4 and an IPv6 address on a device of the link, whose kernel side has one of each
     * (the IPv6 one without duplicate address detection, so usable at once).
     */
    private void start(Link link) throws InterruptedException {
        pcapFile = directory.resolve("errors.pcap");
        boolean tap = link == Link.TAP;
        host = (tap ? UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02")) : UserspaceHost.builder())
                .address(Ipv4Address.parse(HOST_IP)).address(Ipv6Address.parse(HOST_IP6))
                .udpEchoPort(ECHO_PORT).pcap(pcapFile).build();
        device = HostDevice.bind(transport, host, tap ? new TapAddress(DEVICE) : TapAddress.tun(DEVICE),
                KERNEL_IP + "/24", KERNEL_IP6 + "/64");
        channel = device.channel();
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        if (device != null) {
            device.close();
        }
    }

    @ParameterizedTest(name = "{1} on {0}")
    @CsvSource({"TAP, INET", "TAP, INET6", "TUN, INET", "TUN, INET6"})
    void aConnectedKernelSocketGetsConnectionRefused(Link link, StandardProtocolFamily family) throws Exception {
        start(link);
        boolean ipv6 = family == StandardProtocolFamily.INET6;
        try (DatagramChannel socket = DatagramChannel.open(family)) {
            socket.bind(new InetSocketAddress(InetAddress.ofLiteral(ipv6 ? KERNEL_IP6 : KERNEL_IP), 0));
            socket.connect(new InetSocketAddress(InetAddress.ofLiteral(ipv6 ? HOST_IP6 : HOST_IP), CLOSED_PORT));
            socket.socket().setSoTimeout(5000);
            socket.write(ByteBuffer.wrap(new byte[] {'?'}));
            assertThrows(PortUnreachableException.class, () -> socket.socket().receive(
                    new DatagramPacket(new byte[64], 64)), host::summary);
        }
        assertEquals(1, host.icmpErrors().sent(), host.summary());
        assertEquals(1, host.drops().count(InboundFrame.Kind.UDP), "the datagram is still a drop");

        channel.close().sync(); // closes the pcap file
        assertEquals(List.of(ipv6 ? "1 4 1 " + CLOSED_PORT : "3 3 1 " + CLOSED_PORT), ipv6
                ? tshark("icmpv6.type == 1", "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "udp.dstport")
                : tshark("icmp", "icmp.type", "icmp.code", "icmp.checksum.status", "udp.dstport"));
    }

    /** Linux makes a protocol unreachable ENOPROTOOPT, "Protocol not available", for a connected raw socket. */
    @Test
    void aKernelRawSocketOfAnUnknownProtocolGetsProtocolUnreachableOverIpv4() throws Exception {
        start(Link.TAP);
        assertEquals("ENOPROTOOPT", rawSocketExchange(KERNEL_IP, HOST_IP));
        assertEquals(1, host.icmpErrors().sent(), host.summary());
        assertEquals(1, host.drops().count(InboundFrame.Kind.IPV4_OTHER), host.summary());

        channel.close().sync();
        assertEquals(List.of("3 2 1 " + EXPERIMENTAL_PROTOCOL), tshark("icmp", "icmp.type", "icmp.code",
                "icmp.checksum.status", "ip.proto"));
    }

    /**
     * An unrecognized Next Header gets a Parameter Problem, code 1, pointing at the fixed header's Next Header
     * field; Linux makes it EPROTO, "Protocol error", for a connected raw socket.
     */
    @Test
    void aKernelRawSocketOfAnUnknownProtocolGetsParameterProblemOverIpv6() throws Exception {
        start(Link.TUN);
        assertEquals("EPROTO", rawSocketExchange(KERNEL_IP6, HOST_IP6));
        // The kernel's own multicast ICMPv6 (router solicitations, MLD) is counted as IPV6_OTHER too.
        assertEquals(1, host.icmpErrors().sent(), host.summary());

        channel.close().sync();
        assertEquals(List.of("4 1 1 6 " + EXPERIMENTAL_PROTOCOL), tshark("icmpv6.type == 4", "icmpv6.type",
                "icmpv6.code", "icmpv6.checksum.status", "icmpv6.pointer", "ipv6.nxt"));
    }

    /**
     * A burst of 100 datagrams to a closed port from one kernel socket gets no more errors than the per-destination
     * budget: {@value IcmpRateLimiter#BURST_FACTOR} at once, one more per second of {@code icmp_ratelimit} the burst
     * took; the rest are counted as held back by that limit.
     */
    @Test
    void aBurstToAClosedPortGetsNoMoreErrorsThanTheDestinationsBudget() throws Exception {
        start(Link.TAP);
        int datagrams = 100;
        long start = System.nanoTime();
        try (KernelPeer.UdpSocket socket = new KernelPeer.UdpSocket(KERNEL_IP, HOST_IP, CLOSED_PORT)) {
            for (int i = 0; i < datagrams; i++) {
                socket.send(new byte[8]);
            }
            awaitDrops(datagrams);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        IcmpErrorGate errors = host.icmpErrors();
        assertTrue(errors.sent() >= IcmpRateLimiter.BURST_FACTOR
                && errors.sent() <= IcmpRateLimiter.BURST_FACTOR + seconds, host.summary());
        assertEquals(datagrams - errors.sent(), errors.suppressed(IcmpErrorSuppression.DESTINATION_RATE_LIMIT),
                host.summary());
        assertEquals(datagrams - errors.sent(), errors.suppressed(), host.summary());

        channel.close().sync();
        assertEquals(errors.sent(), tshark("icmp", "icmp.code").size(), "each error the gate let through was sent");
    }

    /** A UDP broadcast comes as a link-layer broadcast, which no error may answer (RFC 1122 section 3.2.2). */
    @Test
    void aBroadcastToAClosedPortGetsNoError() throws Exception {
        start(Link.TAP);
        try (DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET)) {
            socket.setOption(StandardSocketOptions.SO_BROADCAST, true);
            socket.bind(new InetSocketAddress(InetAddress.ofLiteral(KERNEL_IP), 0));
            socket.send(ByteBuffer.wrap(new byte[8]), new InetSocketAddress(InetAddress.ofLiteral(BROADCAST_IP),
                    CLOSED_PORT));
            awaitDrops(1);
        }
        assertEquals(0, host.icmpErrors().sent(), host.summary());
        assertEquals(1, host.icmpErrors().suppressed(IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION),
                host.summary());

        channel.close().sync();
        assertEquals(List.of(), tshark("icmp", "icmp.code"), "no error on the link");
    }

    private static String rawSocketExchange(String kernel, String hostAddress) {
        Command.assumeInstalled("python3", "python3-minimal");
        return Command.run(Duration.ofSeconds(30), List.of("python3", "-c", RAW_SOCKET_SCRIPT, kernel, hostAddress,
                String.valueOf(EXPERIMENTAL_PROTOCOL))).strip();
    }

    /** Waits until the host counted {@code count} UDP datagrams as dropped, for at most 5 s. */
    private void awaitDrops(long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (host.drops().count(InboundFrame.Kind.UDP) < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, host.drops().count(InboundFrame.Kind.UDP), host.summary());
    }

    /**
     * The packets of the capture that {@code filter} selects, each as its fields, space separated, of a repeated
     * field the last (in an ICMP error, the quoted packet's); fails if tshark finds any packet malformed or warns
     * about one.
     */
    private List<String> tshark(String filter, String... fields) {
        Command.assumeInstalled("tshark", "tshark");
        Tshark.assertNone(pcapFile, Tshark.MALFORMED_OR_WARNED);
        return Tshark.fields(pcapFile, filter, List.of(fields), "-E", "separator=/s", "-E", "occurrence=l");
    }
}
