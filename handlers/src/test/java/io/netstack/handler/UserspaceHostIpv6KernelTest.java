package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.testing.PcapFile;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link UserspaceHost} speaking IPv6 on a TAP device, with the kernel as its neighbour: the kernel resolves the
 * host by Neighbor Discovery, pings it, exchanges UDP with it, and runs duplicate address detection against it.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class UserspaceHostIpv6KernelTest {
    private static final String DEVICE = "nshost6";
    private static final String KERNEL_IP = "2001:db8::1";
    private static final String HOST_IP = "2001:db8::2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";
    private static final int ECHO_PORT = 7;
    /** The largest UDP payload in one packet at the default MTU of 1500: 1500 - 40 (IPv6) - 8 (UDP). */
    private static final int MAX_UDP_PAYLOAD = 1452;

    @Parameter
    Transport transport;
    @TempDir
    Path directory;
    private Path pcapFile;
    private HostDevice device;
    private UserspaceHost host;
    private TapChannel channel;

    @BeforeEach
    void startHost() throws InterruptedException {
        pcapFile = directory.resolve("host6.pcap");
        host = UserspaceHost.builder(MacAddress.parse(HOST_MAC))
                .address(Ipv6Address.parse(HOST_IP))
                .udpEchoPort(ECHO_PORT)
                .pcap(pcapFile)
                .build();
        device = HostDevice.bind(transport, host, new TapAddress(DEVICE));
        channel = device.channel();
        // With duplicate address detection on, unlike TapChannelOption.ADDRESSES: the host must not claim it.
        Ip.run("-6", "addr", "add", KERNEL_IP + "/64", "dev", DEVICE);
        String addresses = awaitAddresses(text -> !text.contains("tentative") || text.contains("dadfailed"));
        assertFalse(addresses.contains("dadfailed"), addresses);
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void theKernelPingsTheHostAThousandTimesWithoutLossAndSeesItReachable() throws Exception {
        Command.assumeInstalled("ping", "iputils-ping");
        String report = KernelPeer.ping(HOST_IP, 1000, "0.002");
        assertTrue(report.contains("1000 packets transmitted, 1000 received, 0% packet loss"), report);
        assertEquals(1000, host.icmpEcho().repliesSent(), host.summary());
        assertTrue(host.ndp().solicitationsAnswered() >= 1, host.summary());

        // The kernel's NUD moves an entry from REACHABLE to STALE and back through a probe that the host answers;
        // a ping keeps it moving, and the state it settles in after a confirmation is REACHABLE.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String neighbour;
        while (!(neighbour = Ip.run("-6", "neigh", "show", HOST_IP, "dev", DEVICE)).contains("REACHABLE")) {
            assertTrue(System.nanoTime() < deadline, "not REACHABLE within 30 s: " + neighbour);
            KernelPeer.ping(HOST_IP, 1, "0.2");
        }
        assertTrue(neighbour.contains("lladdr " + HOST_MAC), neighbour);
        assertKernelChatterOnlyDropped();
    }

    @Test
    void aThousandDatagramsOfSizesUpTo1452ComeBackByteIdentical() throws IOException {
        int datagrams = KernelPeer.echoDatagramsOfEverySize(KERNEL_IP, HOST_IP, ECHO_PORT, MAX_UDP_PAYLOAD);
        assertEquals(datagrams, host.udpEcho().datagramsEchoed(), host.summary());
        assertKernelChatterOnlyDropped();
    }

    /** The kernel taking the host's address runs duplicate address detection, which the host's answer fails. */
    @Test
    void theKernelsDuplicateAddressDetectionForTheHostsAddressFails() throws InterruptedException {
        Ip.run("-6", "addr", "add", HOST_IP + "/64", "dev", DEVICE);
        String addresses = awaitAddresses(text -> text.contains("dadfailed") || !text.contains("tentative"));
        assertTrue(addresses.contains(HOST_IP + "/64") && addresses.contains("dadfailed"), addresses);
        assertTrue(host.ndp().duplicateAddressProbesAnswered() >= 1, host.summary());
    }

    @Test
    void tsharkReadsEveryIcmpv6MessageAsTheViewsDecodeIt() throws Exception {
        Command.assumeInstalled("tshark", "tshark");
        Command.assumeInstalled("ping", "iputils-ping");
        KernelPeer.ping(HOST_IP, 3, "0.05");
        channel.close().sync(); // closes the pcap file

        List<String> tshark = Icmpv6Dissection.tshark(pcapFile);
        List<String> ours = Icmpv6Dissection.views(PcapFile.read(pcapFile), LinkLayer.ETHERNET);
        assertEquals(ours.size(), tshark.size(), "records: ours " + ours + ", tshark's " + tshark);
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(ours.get(i), tshark.get(i), "message " + (i + 1) + " " + Icmpv6Dissection.FIELDS);
        }
        // What the comparison covered: the host's announcement, its solicited advertisement and its echo replies.
        assertTrue(ours.stream().anyMatch(line -> line.contains("\t0x20000000\t" + HOST_MAC)), ours.toString());
        assertTrue(ours.stream().anyMatch(line -> line.contains("\t0x60000000\t" + HOST_MAC)), ours.toString());
        assertEquals(3, ours.stream().filter(line -> line.contains(HOST_IP + "\t" + KERNEL_IP + "\t129\t")).count(),
                ours.toString());
    }

    /** Nothing was dropped but the kernel's own router solicitations and multicast listener reports. */
    private void assertKernelChatterOnlyDropped() {
        assertEquals(host.drops().count(InboundFrame.Kind.ICMPV6), host.drops().total(), host.summary());
    }

    /** Polls the device's IPv6 addresses until {@code settled} holds, for at most 10 s (DAD takes about 1 s). */
    private static String awaitAddresses(Predicate<String> settled) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String addresses;
        while (!settled.test(addresses = Ip.run("-6", "addr", "show", "dev", DEVICE))) {
            assertTrue(System.nanoTime() < deadline, "duplicate address detection still running: " + addresses);
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return addresses;
    }
}
