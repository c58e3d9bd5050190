package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.MacAddress;
import io.netstack.wire.UdpDatagram;
import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.testing.PcapFile;
import io.netstack.tap.testing.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link UserspaceHost} on a TAP device, and the Linux kernel on the other side as its peer: the kernel's own
 * {@code ping}, UDP sockets and neighbour table, and tshark reading the host's pcap file.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class UserspaceHostKernelTest {
    private static final String DEVICE = "nshost0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";
    private static final int ECHO_PORT = 7;
    private static final int MAX_UDP_PAYLOAD = KernelPeer.MAX_UDP_PAYLOAD;

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
        pcapFile = directory.resolve("host.pcap");
        host = UserspaceHost.builder(MacAddress.parse(HOST_MAC))
                .address(Ipv4Address.parse(HOST_IP))
                .udpEchoPort(ECHO_PORT)
                .pcap(pcapFile)
                .build();
        device = HostDevice.bind(transport, host, new TapAddress(DEVICE), KERNEL_IP + "/24");
        channel = device.channel();
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void theKernelPingsTheHostAHundredTimesWithoutLoss() {
        Command.assumeInstalled("ping", "iputils-ping");
        String report = ping(100, "0.01");
        assertTrue(report.contains("100 packets transmitted, 100 received, 0% packet loss"), report);
        assertEquals(100, host.icmpEcho().repliesSent(), host.summary());
    }

    @Test
    void aThousandDatagramsOfSizesUpTo1472ComeBackByteIdentical() throws IOException {
        int datagrams = KernelPeer.echoDatagramsOfEverySize(KERNEL_IP, HOST_IP, ECHO_PORT, MAX_UDP_PAYLOAD);
        assertEquals(datagrams, host.udpEcho().datagramsEchoed(), host.summary());
        assertEquals(0, host.drops().count(InboundFrame.Kind.UDP), host.summary());
        assertEquals(0, channel.metrics().writeErrors() + channel.metrics().oversizeDrops());
    }

    @Test
    void theKernelsNeighbourTableHoldsTheHostsMacAfterArp() throws IOException {
        try (KernelPeer.UdpSocket socket = new KernelPeer.UdpSocket(KERNEL_IP, HOST_IP, ECHO_PORT)) {
            // The kernel must resolve the host's address before it can send: the echo proves it did.
            socket.echo(new byte[] {1});
        }
        String neighbours = Ip.run("neigh", "show", "dev", DEVICE);
        assertTrue(neighbours.contains(HOST_IP + " lladdr " + HOST_MAC + " "), neighbours);
        assertTrue(host.arp().requestsAnswered() >= 1, host.summary());
    }

    @Test
    void aDatagramToANeighbourOfUnknownMacIsSentAfterArpResolution() throws Exception {
        pinTheHostsMacInTheKernel();
        try (KernelPeer.UdpSocket socket = new KernelPeer.UdpSocket(KERNEL_IP, HOST_IP, ECHO_PORT)) {
            byte[] payload = {1, 2, 3};
            DatagramPacket echo = socket.echo(payload);
            assertArrayEquals(payload, Arrays.copyOfRange(echo.getData(), 0, echo.getLength()));
        }
        assertEquals(0, host.arp().requestsAnswered(), "the kernel never asked: " + host.summary());
        assertTrue(host.ethernet().arpRequestsSent() >= 1, host.summary());
        assertEquals(1, host.ethernet().packetsResolved(), host.summary());
        assertEquals(Map.of(Ipv4Address.parse(KERNEL_IP).toInetAddress(), MacAddress.parse(Ip.macAddress(DEVICE))),
                neighbours());
        assertEquals(0, host.drops().outboundTotal(), host.summary());
    }

    @Test
    void anUnansweredResolutionDropsAndCountsTheDatagram() throws Exception {
        pinTheHostsMacInTheKernel();
        // arp_ignore 8: the kernel answers no ARP request on this device.
        Command.run(Duration.ofSeconds(10), List.of("sh", "-c",
                "echo 8 > /proc/sys/net/ipv4/conf/" + DEVICE + "/arp_ignore"));
        try (KernelPeer.UdpSocket socket = new KernelPeer.UdpSocket(KERNEL_IP, HOST_IP, ECHO_PORT)) {
            socket.send(new byte[] {1});
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (host.drops().count(OutboundDrop.NEIGHBOUR_UNRESOLVED) == 0) {
                assertTrue(System.nanoTime() < deadline, "the echo was neither sent nor dropped: " + host.summary());
                Thread.sleep(50);
            }
        }
        assertEquals(1, host.udpEcho().datagramsEchoed(), host.summary());
        assertEquals(EthernetFramer.ARP_REQUESTS, host.ethernet().arpRequestsSent(), host.summary());
        assertEquals(0, host.ethernet().packetsResolved());
        assertEquals(1, host.drops().outboundTotal(), host.summary());
        assertEquals(Map.of(), neighbours());
    }

    /** What the host's ARP has learnt, read on the event loop that writes it. */
    private Map<InetAddress, MacAddress> neighbours() throws Exception {
        return channel.eventLoop().submit(() -> host.arp().neighbours().toMap()).get();
    }

    /** A permanent entry for the host in the kernel's neighbour table, so that the kernel never sends it ARP. */
    private static void pinTheHostsMacInTheKernel() {
        Ip.run("neigh", "replace", HOST_IP, "lladdr", HOST_MAC, "dev", DEVICE, "nud", "permanent");
    }

    /**
     * tshark's dissection of the host's pcap file, field by field, against what the protocol views decode from the
     * same records: both must read every frame of an ARP, ping and UDP conversation the same.
     */
    @Test
    void tsharkReadsThePcapFileAsTheViewsDecodeIt() throws Exception {
        Command.assumeInstalled("tshark", "tshark");
        Command.assumeInstalled("ping", "iputils-ping");
        KernelPeer.pingAndEchoFourDatagrams(KERNEL_IP, HOST_IP, ECHO_PORT);
        channel.close().sync(); // closes the pcap file

        List<String> fields = List.of("frame.len", "eth.src", "eth.dst", "eth.type", "arp.opcode", "ip.src",
                "ip.dst", "icmp.type", "udp.srcport", "udp.dstport");
        List<String> tshark = Tshark.fields(pcapFile, null, fields);

        PcapFile pcap = PcapFile.read(pcapFile);
        assertEquals(1, pcap.linkType(), "LINKTYPE_ETHERNET");
        List<String> ours = pcap.records().stream().map(UserspaceHostKernelTest::fieldsOf).toList();
        assertEquals(host.traffic().framesIn() + host.traffic().framesOut(), ours.size(), host.summary());
        assertEquals(ours.size(), tshark.size(), "records: ours " + ours + ", tshark's " + tshark);
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(ours.get(i), tshark.get(i), "frame " + (i + 1) + " (" + fields + ")");
        }
        // What the comparison covered: a conversation, not just the kernel's own IPv6 chatter.
        assertTrue(ours.stream().anyMatch(line -> line.contains("\t0x0806\t2\t")), "an ARP reply: " + ours);
        assertEquals(3, ours.stream().filter(line -> line.endsWith("\t0\t\t")).count(), "3 echo replies: " + ours);
        assertEquals(4, ours.stream().filter(line -> line.endsWith("\t7")).count(), "4 datagrams: " + ours);
    }

    private static String ping(int count, String interval) {
        return KernelPeer.ping(HOST_IP, count, interval);
    }

    /**
     * The fields tshark prints for a record, as the views decode them: tab-separated, empty where a layer is not
     * there, EtherType as {@code 0x0800}.
     */
    private static String fieldsOf(PcapFile.Record record) {
        assertEquals(record.originalLength(), record.data().length, "the whole frame was captured");
        ByteBuf frame = Unpooled.wrappedBuffer(record.data());
        try {
            String[] fields = new String[10];
            Arrays.fill(fields, "");
            EthernetFrame ethernet = new EthernetFrame();
            assertTrue(ethernet.wrap(frame), () -> "Ethernet: " + ethernet.error());
            fields[0] = String.valueOf(record.originalLength());
            fields[1] = MacAddress.format(ethernet.source());
            fields[2] = MacAddress.format(ethernet.destination());
            fields[3] = "0x" + HexFormat.of().toHexDigits((short) ethernet.etherType());
            if (ethernet.etherType() == EthernetFrame.ETHERTYPE_ARP) {
                ArpPacket arp = new ArpPacket();
                assertTrue(arp.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength()), () -> "ARP");
                fields[4] = String.valueOf(arp.oper());
            } else if (ethernet.etherType() == EthernetFrame.ETHERTYPE_IPV4) {
                Ipv4Packet ipv4 = new Ipv4Packet();
                assertTrue(ipv4.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength()), () -> "IPv4");
                assertTrue(ipv4.isChecksumValid(), () -> "IPv4 checksum");
                fields[5] = Ipv4Address.format(ipv4.source());
                fields[6] = Ipv4Address.format(ipv4.destination());
                if (ipv4.protocol() == Ipv4Packet.PROTOCOL_ICMP) {
                    Icmpv4Packet icmp = new Icmpv4Packet();
                    assertTrue(icmp.wrap(frame, ipv4.payloadOffset(), ipv4.payloadLength()), () -> "ICMP");
                    assertTrue(icmp.isChecksumValid(), () -> "ICMP checksum");
                    fields[7] = String.valueOf(icmp.type());
                } else if (ipv4.protocol() == Ipv4Packet.PROTOCOL_UDP) {
                    UdpDatagram udp = new UdpDatagram();
                    assertTrue(udp.wrap(ipv4), () -> "UDP");
                    assertTrue(udp.isChecksumValid(ipv4), () -> "UDP checksum");
                    fields[8] = String.valueOf(udp.sourcePort());
                    fields[9] = String.valueOf(udp.destinationPort());
                }
            }
            return String.join("\t", fields);
        } finally {
            frame.release();
        }
    }
}
