package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.FrameQueue;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.CidrAddress;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Icmpv4Errors;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.UdpDatagram;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel as the receiver of the errors {@link Icmpv4Errors} builds: a kernel UDP socket connected to a port
 * nothing serves sends a datagram into a TAP device; the test reads it there, asks an {@link IcmpErrorGate},
 * builds the port unreachable, prepends Ethernet in the headroom as a host's link layer does, and writes it back.
 * The socket's next receive must fail with ECONNREFUSED, which the JDK reports as
 * {@link PortUnreachableException}; tshark must read the error as well-formed and quoting the datagram.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class IcmpErrorKernelTest {
    private static final String DEVICE = "nsicmp0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";
    private static final int DISCARD_PORT = 9;

    @Parameter
    Transport transport;
    @TempDir
    Path directory;
    private Path pcapFile;
    private EventLoopGroup group;
    private TapChannel channel;
    private final FrameQueue frames = new FrameQueue();

    @BeforeEach
    void openDevice() throws InterruptedException {
        pcapFile = directory.resolve("errors.pcap");
        group = transport.newGroup(1);
        channel = (TapChannel) new Bootstrap().group(group).channel(TapChannel.class)
                .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse(KERNEL_IP + "/24")))
                .option(TapChannelOption.LINK_UP, true)
                .handler(new ChannelInitializer<TapChannel>() {
                    @Override
                    protected void initChannel(TapChannel ch) throws Exception {
                        ch.pipeline().addLast(new PcapWriter(pcapFile, LinkLayer.ETHERNET), frames);
                    }
                })
                .bind(new TapAddress(DEVICE)).sync().channel();
        // The kernel sends to the host without asking for its MAC address first.
        Ip.run("neigh", "replace", HOST_IP, "lladdr", HOST_MAC, "dev", DEVICE, "nud", "permanent");
    }

    @AfterEach
    void closeDevice() throws InterruptedException {
        channel.close().sync();
        frames.clear();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aConnectedKernelSocketGetsConnectionRefusedFromAPortUnreachable() throws Exception {
        try (DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET)) {
            socket.bind(new InetSocketAddress(InetAddress.ofLiteral(KERNEL_IP), 0));
            socket.connect(new InetSocketAddress(InetAddress.ofLiteral(HOST_IP), DISCARD_PORT));
            socket.socket().setSoTimeout(5000);
            socket.write(ByteBuffer.wrap("is anyone there?".getBytes(StandardCharsets.US_ASCII)));

            answerWithPortUnreachable(frames.await(IcmpErrorKernelTest::isDatagramToTheDiscardPort, 5,
                    TimeUnit.SECONDS));

            DatagramPacket received = new DatagramPacket(new byte[64], 64);
            assertThrows(PortUnreachableException.class, () -> socket.socket().receive(received));
        }
    }

    @Test
    void tsharkReadsTheErrorAsAWellFormedPortUnreachableQuotingTheDatagram() throws Exception {
        Command.assumeInstalled("tshark", "tshark");
        try (DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET)) {
            socket.bind(new InetSocketAddress(InetAddress.ofLiteral(KERNEL_IP), 40009));
            socket.connect(new InetSocketAddress(InetAddress.ofLiteral(HOST_IP), DISCARD_PORT));
            socket.write(ByteBuffer.wrap(new byte[600]));
            answerWithPortUnreachable(frames.await(IcmpErrorKernelTest::isDatagramToTheDiscardPort, 5,
                    TimeUnit.SECONDS));
        }
        channel.close().sync(); // closes the pcap file

        String fields = Command.run(Duration.ofSeconds(60), List.of("tshark", "-n", "-r", pcapFile.toString(),
                "-Y", "icmp", "-T", "fields", "-e", "frame.len", "-e", "ip.src", "-e", "ip.dst",
                "-e", "icmp.type", "-e", "icmp.code", "-e", "icmp.checksum.status", "-e", "udp.srcport",
                "-e", "udp.dstport", "-e", "udp.length")).strip();
        // The outer header, then the quoted one; the quote keeps the datagram's UDP header and length field.
        assertEquals(String.join("\t", "590", "192.0.2.2,192.0.2.1", "192.0.2.1,192.0.2.2", "3", "3", "1", "40009", "9",
                "608"), fields);
        String malformed = Command.run(Duration.ofSeconds(60), List.of("tshark", "-n", "-r", pcapFile.toString(),
                "-Y", "_ws.malformed || _ws.expert.severity >= warning"));
        assertEquals("", malformed.strip(), "no malformed packet, no warning");
    }

    /** Sends what a host on this device sends for the datagram in {@code frame}, which it releases. */
    private void answerWithPortUnreachable(ByteBuf frame) throws InterruptedException {
        try {
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength()));
            IcmpErrorGate gate = new IcmpErrorGate();
            assertTrue(gate.allowIpv4(ip, MacAddress.isMulticast(ethernet.destination()),
                    Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, Icmpv4Packet.CODE_PORT_UNREACHABLE), gate::toString);
            ByteBuf error = Icmpv4Errors.portUnreachable(channel.alloc(), ip);
            prependEthernet(error, new EthernetHeader(ethernet.source(), ethernet.destination(),
                    EthernetFrame.ETHERTYPE_IPV4));
            channel.writeAndFlush(error).sync();
        } finally {
            frame.release();
        }
    }

    /** What a link layer does with an IP-layer packet: writes its header into the headroom and moves back to it. */
    private static void prependEthernet(ByteBuf packet, EthernetHeader header) {
        int start = packet.readerIndex() - Frames.LINK_HEADROOM;
        header.write(packet.slice(start, Frames.LINK_HEADROOM).clear());
        packet.readerIndex(start);
    }

    private static boolean isDatagramToTheDiscardPort(ByteBuf frame) {
        EthernetFrame ethernet = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        UdpDatagram udp = new UdpDatagram();
        return ethernet.wrap(frame) && ethernet.etherType() == EthernetFrame.ETHERTYPE_IPV4
                && ip.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength())
                && ip.protocol() == Ipv4Packet.PROTOCOL_UDP && udp.wrap(ip)
                && udp.destinationPort() == DISCARD_PORT;
    }
}
