package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tshark's dissection of every kind of packet {@link Ipv6Packets} builds, field by field, against what the views
 * decode from the same bytes: both must agree, tshark must find every checksum good and nothing malformed.
 */
class Ipv6PacketsTsharkTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long HOST_MAC = 0x02005e100002L;
    private static final Ipv6Address HOST = Ipv6Address.parse("2001:db8::2");
    private static final Ipv6Address KERNEL = Ipv6Address.parse("2001:db8::1");
    /** LINKTYPE_RAW: each record is an IP packet, as on a TUN device. */
    private static final int LINKTYPE_RAW = 101;
    private static final List<String> FIELDS = List.of("ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim", "ipv6.plen",
            "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "icmpv6.echo.identifier",
            "icmpv6.echo.sequence_number", "icmpv6.pointer", "icmpv6.nd.ns.target_address",
            "icmpv6.nd.na.target_address", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o", "icmpv6.opt.linkaddr",
            "udp.srcport", "udp.dstport", "udp.checksum.status", "_ws.malformed");

    @TempDir
    Path directory;

    @Test
    void tsharkReadsEveryBuiltPacketAsTheViewsDecodeIt() throws Exception {
        Assumptions.assumeTrue(isInstalled("tshark"), "tshark is not installed (scripts/test-tools.sh installs it)");
        List<byte[]> packets = buildEveryKind();
        Path pcap = directory.resolve("ipv6.pcap");
        Files.write(pcap, pcap(packets));

        List<String> tshark = tshark(pcap);
        assertEquals(packets.size(), tshark.size(), "records: " + tshark);
        for (int i = 0; i < packets.size(); i++) {
            assertEquals(fieldsOf(packets.get(i)), tshark.get(i), "packet " + (i + 1) + " (" + FIELDS + ")");
        }
    }

    private static List<byte[]> buildEveryKind() {
        List<ByteBuf> built = new ArrayList<>();
        ByteBuf request = CapturedFrames.pooled(CapturedIpv6Frames.ECHO_REQUEST);
        ByteBuf data = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        try {
            Ipv6Packet ip = new Ipv6Packet();
            Icmpv6Packet echo = new Icmpv6Packet();
            assertTrue(ip.wrap(request, EthernetFrame.HEADER_LENGTH, request.readableBytes()
                    - EthernetFrame.HEADER_LENGTH));
            assertTrue(echo.wrap(request, ip.payloadOffset(), ip.payloadLength()));
            built.add(Ipv6Packets.echoReply(ALLOC, Ipv6Header.replyTo(ip, Ipv6Packet.PROTOCOL_ICMPV6), echo));
            built.add(Ipv6Packets.neighborSolicitation(ALLOC, HOST, KERNEL.solicitedNodeMulticast(), KERNEL,
                    HOST_MAC));
            built.add(Ipv6Packets.neighborSolicitation(ALLOC, HOST, KERNEL, KERNEL, HOST_MAC));
            built.add(Ipv6Packets.duplicateAddressDetection(ALLOC, HOST));
            built.add(Ipv6Packets.neighborAdvertisement(ALLOC, HOST, KERNEL,
                    NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE, HOST,
                    HOST_MAC));
            built.add(Ipv6Packets.neighborAdvertisement(ALLOC, HOST, Ipv6Address.ALL_NODES,
                    NeighborDiscoveryMessage.FLAG_OVERRIDE, HOST, NeighborDiscoveryMessage.NONE));
            ByteBuf udp = Ipv6Packets.udp(ALLOC, Ipv6Header.of(HOST, KERNEL, Ipv4Packet.PROTOCOL_UDP),
                    new UdpHeader(7, 40000), data, 0, data.readableBytes());
            built.add(udp);
            Ipv6Packet datagram = Ipv6Packet.parse(udp);
            built.add(Ipv6Packets.destinationUnreachable(ALLOC, KERNEL, Icmpv6Packet.CODE_PORT_UNREACHABLE,
                    datagram));
            built.add(Ipv6Packets.parameterProblem(ALLOC, KERNEL, Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER,
                    Ipv6Packet.NEXT_HEADER_OFFSET, datagram));
            List<byte[]> packets = new ArrayList<>();
            for (ByteBuf packet : built) {
                byte[] bytes = new byte[packet.readableBytes()];
                packet.getBytes(packet.readerIndex(), bytes);
                packets.add(bytes);
            }
            return packets;
        } finally {
            built.forEach(ByteBuf::release);
            request.release();
            data.release();
        }
    }

    /** The fields tshark prints for a packet, as the views decode them: tab-separated, empty where absent. */
    private static String fieldsOf(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            Ipv6Packet ip = Ipv6Packet.parse(buf);
            String[] fields = new String[FIELDS.size()];
            Arrays.fill(fields, "");
            fields[0] = Ipv6Address.read(buf, ip.sourceOffset()).toString();
            fields[1] = Ipv6Address.read(buf, ip.destinationOffset()).toString();
            fields[2] = String.valueOf(ip.nextHeader());
            fields[3] = String.valueOf(ip.hopLimit());
            fields[4] = String.valueOf(ip.payloadLengthField());
            if (ip.nextHeader() == Ipv4Packet.PROTOCOL_UDP) {
                udpFields(ip, fields);
                return String.join("\t", fields);
            }
            Icmpv6Packet icmp = Icmpv6Packet.parse(ip.payload());
            fields[5] = String.valueOf(icmp.type());
            fields[6] = String.valueOf(icmp.code());
            fields[7] = icmp.isChecksumValid(ip) ? "1" : "0";
            if (icmp.isEchoReply()) {
                fields[8] = String.format("0x%04x", icmp.identifier());
                fields[9] = String.valueOf(icmp.sequenceNumber());
            }
            if (icmp.type() == Icmpv6Packet.TYPE_PARAMETER_PROBLEM) {
                fields[10] = String.valueOf(icmp.pointer());
            }
            if (icmp.isError()) {
                Ipv6Packet invoking = new Ipv6Packet();
                assertTrue(invoking.wrap(icmp.buffer(), icmp.invokingPacketOffset(), icmp.invokingPacketLength()));
                udpFields(invoking, fields);
            }
            NeighborDiscoveryMessage ndp = new NeighborDiscoveryMessage();
            if (ndp.wrap(buf, ip.payloadOffset(), ip.payloadLength())) {
                assertNull(ndp.ipHeaderError(ip));
                fields[ndp.isSolicitation() ? 11 : 12] = ndp.target().toString();
                if (ndp.isAdvertisement()) {
                    fields[13] = ndp.solicited() ? "1" : "0";
                    fields[14] = ndp.override() ? "1" : "0";
                }
                long mac = ndp.isSolicitation() ? ndp.sourceLinkLayerAddress() : ndp.targetLinkLayerAddress();
                fields[15] = mac == NeighborDiscoveryMessage.NONE ? "" : MacAddress.format(mac);
            }
            return String.join("\t", fields);
        } finally {
            buf.release();
        }
    }

    private static void udpFields(Ipv6Packet ip, String[] fields) {
        UdpDatagram udp = UdpDatagram.parse(ip);
        fields[16] = String.valueOf(udp.sourcePort());
        fields[17] = String.valueOf(udp.destinationPort());
        fields[18] = udp.isChecksumValid(ip) ? "1" : "0";
    }

    private List<String> tshark(Path pcap) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(),
                "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=f"));
        for (String field : FIELDS) {
            command.add("-e");
            command.add(field);
        }
        Process process = new ProcessBuilder(command)
                .redirectError(directory.resolve("tshark.err").toFile()).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, process.exitValue(), () -> "tshark failed: " + read(directory.resolve("tshark.err")));
        return new String(output, StandardCharsets.UTF_8).lines().toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A classic pcap file of raw IP packets, little-endian, microsecond timestamps of 0. */
    private static byte[] pcap(List<byte[]> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535)
                .putInt(LINKTYPE_RAW);
        out.writeBytes(header.array());
        for (byte[] packet : packets) {
            ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            record.putInt(0).putInt(0).putInt(packet.length).putInt(packet.length);
            out.writeBytes(record.array());
            out.writeBytes(packet);
        }
        return out.toByteArray();
    }

    private static boolean isInstalled(String program) {
        for (String path : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(path, program))) {
                return true;
            }
        }
        return false;
    }
}
