package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.testing.PcapFile;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.UdpDatagram;
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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same {@link UserspaceHost} as {@link UserspaceHostKernelTest}, built the same way, on a TUN device: the
 * channel's {@link TapAddress} tells the host that the link carries bare IP packets, and the kernel pings it and
 * exchanges UDP with it without ARP.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class UserspaceHostTunKernelTest {
    private static final String DEVICE = "nstun0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String KERNEL_IP6 = "2001:db8::1";
    private static final String HOST_IP6 = "2001:db8::2";
    private static final int ECHO_PORT = 7;

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
        pcapFile = directory.resolve("tun.pcap");
        host = UserspaceHost.builder()
                .address(Ipv4Address.parse(HOST_IP))
                .address(Ipv6Address.parse(HOST_IP6))
                .udpEchoPort(ECHO_PORT)
                .pcap(pcapFile)
                .build();
        device = HostDevice.bind(transport, host, TapAddress.tun(DEVICE), KERNEL_IP + "/24", KERNEL_IP6 + "/64");
        channel = device.channel();
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void theKernelPingsTheHostAThousandTimesWithoutLoss() {
        Command.assumeInstalled("ping", "iputils-ping");
        String report = KernelPeer.ping(HOST_IP, 1000, "0.002");
        assertTrue(report.contains("1000 packets transmitted, 1000 received, 0% packet loss"), report);
        assertEquals(LinkLayer.IP, host.linkLayer());
        assertEquals(1000, host.icmpEcho().repliesSent(), host.summary());
        assertEquals(0, host.drops().count(InboundFrame.Kind.OTHER_ETHERTYPE), host.summary());
    }

    @Test
    void theKernelPingsTheHostOverIpv6AThousandTimesWithoutLoss() {
        Command.assumeInstalled("ping", "iputils-ping");
        String report = KernelPeer.ping(HOST_IP6, 1000, "0.002");
        assertTrue(report.contains("1000 packets transmitted, 1000 received, 0% packet loss"), report);
        assertEquals(1000, host.icmpEcho().repliesSent(), host.summary());
        assertEquals(0, host.drops().count(InboundFrame.Kind.OTHER_ETHERTYPE), host.summary());
    }

    @Test
    void aThousandDatagramsOfSizesUpTo1472ComeBackByteIdentical() throws IOException {
        assertEchoesDatagramsOfEverySize(KERNEL_IP, HOST_IP, KernelPeer.MAX_UDP_PAYLOAD);
    }

    /** 1500 - 40 (IPv6) - 8 (UDP). */
    @Test
    void aThousandDatagramsOverIpv6OfSizesUpTo1452ComeBackByteIdentical() throws IOException {
        assertEchoesDatagramsOfEverySize(KERNEL_IP6, HOST_IP6, 1452);
    }

    private void assertEchoesDatagramsOfEverySize(String kernelIp, String hostIp, int maxPayload)
            throws IOException {
        int datagrams = KernelPeer.echoDatagramsOfEverySize(kernelIp, hostIp, ECHO_PORT, maxPayload);
        assertEquals(datagrams, host.udpEcho().datagramsEchoed(), host.summary());
        assertEquals(0, host.drops().count(InboundFrame.Kind.UDP), host.summary());
        assertEquals(0, channel.metrics().writeErrors() + channel.metrics().oversizeDrops());
    }

    /** tshark reads the ICMPv6 messages of the host's raw IP capture as the views decode them. */
    @Test
    void tsharkReadsEveryIcmpv6MessageAsTheViewsDecodeIt() throws Exception {
        Command.assumeInstalled("tshark", "tshark");
        Command.assumeInstalled("ping", "iputils-ping");
        KernelPeer.ping(HOST_IP6, 3, "0.05");
        channel.close().sync(); // closes the pcap file

        List<String> tshark = Icmpv6Dissection.tshark(pcapFile);
        List<String> ours = Icmpv6Dissection.views(PcapFile.read(pcapFile), LinkLayer.IP);
        assertEquals(ours, tshark, Icmpv6Dissection.FIELDS.toString());
        assertEquals(3, ours.stream().filter(line -> line.contains(HOST_IP6 + "\t" + KERNEL_IP6 + "\t129\t")).count(),
                "3 echo replies, and no Neighbor Discovery on TUN: " + ours);
        assertTrue(ours.stream().noneMatch(line -> line.split("\t")[3].matches("13[56]")), ours.toString());
    }

    /**
     * tshark reads the host's capture as raw IP, finds no malformed packet, and dissects each packet as the views
     * decode it; every packet the host sent is IPv4.
     */
    @Test
    void tsharkReadsTheRawIpCaptureWithoutAMalformedPacket() throws Exception {
        Command.assumeInstalled("tshark", "tshark");
        Command.assumeInstalled("ping", "iputils-ping");
        KernelPeer.pingAndEchoFourDatagrams(KERNEL_IP, HOST_IP, ECHO_PORT);
        channel.close().sync(); // closes the pcap file

        Tshark.assertNone(pcapFile, Tshark.MALFORMED);
        List<String> fields = List.of("frame.len", "ip.src", "ip.dst", "icmp.type", "udp.srcport", "udp.dstport");
        List<String> tshark = Tshark.fields(pcapFile, null, fields);

        PcapFile pcap = PcapFile.read(pcapFile);
        assertEquals(101, pcap.linkType(), "LINKTYPE_RAW");
        List<String> ours = pcap.records().stream().map(UserspaceHostTunKernelTest::fieldsOf).toList();
        assertEquals(host.traffic().framesIn() + host.traffic().framesOut(), ours.size(), host.summary());
        assertEquals(ours, tshark, fields.toString());
        assertEquals(3, ours.stream().filter(line -> line.endsWith("\t0\t\t")).count(), "3 echo replies: " + ours);
        assertEquals(4, ours.stream().filter(line -> line.split("\t", -1)[4].equals("7")).count(),
                "4 echoes: " + ours);
    }

    /**
     * The fields tshark prints for a record, as the views decode them: tab-separated, empty where a layer is not
     * there. A record of the host's own is an IPv4 packet, never an Ethernet frame.
     */
    private static String fieldsOf(PcapFile.Record record) {
        assertEquals(record.originalLength(), record.data().length, "the whole packet was captured");
        ByteBuf packet = Unpooled.wrappedBuffer(record.data());
        try {
            String[] fields = new String[6];
            Arrays.fill(fields, "");
            fields[0] = String.valueOf(record.originalLength());
            Ipv4Packet ipv4 = new Ipv4Packet();
            if (ipv4.wrap(packet)) {
                assertTrue(ipv4.isChecksumValid(), () -> "IPv4 checksum");
                fields[1] = Ipv4Address.format(ipv4.source());
                fields[2] = Ipv4Address.format(ipv4.destination());
                if (ipv4.protocol() == Ipv4Packet.PROTOCOL_ICMP) {
                    Icmpv4Packet icmp = new Icmpv4Packet();
                    assertTrue(icmp.wrap(packet, ipv4.payloadOffset(), ipv4.payloadLength()), () -> "ICMP");
                    assertTrue(icmp.isChecksumValid(), () -> "ICMP checksum");
                    fields[3] = String.valueOf(icmp.type());
                } else if (ipv4.protocol() == Ipv4Packet.PROTOCOL_UDP) {
                    UdpDatagram udp = new UdpDatagram();
                    assertTrue(udp.wrap(ipv4), () -> "UDP");
                    assertTrue(udp.isChecksumValid(ipv4), () -> "UDP checksum");
                    fields[4] = String.valueOf(udp.sourcePort());
                    fields[5] = String.valueOf(udp.destinationPort());
                }
            } else {
                assertEquals(6, packet.getUnsignedByte(0) >>> 4, "IPv4, or the kernel's own IPv6");
            }
            return String.join("\t", fields);
        } finally {
            packet.release();
        }
    }
}
