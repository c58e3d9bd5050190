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
import io.netty.buffer.ByteBufAllocator;
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
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel as the receiver of the errors {@link Icmpv4Errors} builds: a kernel UDP socket connected to a port
 * nothing serves sends a datagram into a TAP device; the test reads it there, asks an {@link IcmpErrorGate},
 * builds the port unreachable, prepends Ethernet in the headroom as a host's link layer does, and writes it back.
 * The socket's next receive must fail with ECONNREFUSED, which the JDK reports as
 * {@link PortUnreachableException}; tshark must read the error as well-formed and quoting the datagram. A kernel
 * TCP connect answered with a protocol unreachable must fail at once.
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

            answer(frames.await(IcmpErrorKernelTest::isDatagramToTheDiscardPort, 5, TimeUnit.SECONDS),
                    Icmpv4Packet.CODE_PORT_UNREACHABLE, Icmpv4Errors::portUnreachable);

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
            answer(frames.await(IcmpErrorKernelTest::isDatagramToTheDiscardPort, 5, TimeUnit.SECONDS),
                    Icmpv4Packet.CODE_PORT_UNREACHABLE, Icmpv4Errors::portUnreachable);
        }
        channel.close().sync(); // closes the pcap file

        List<String> fields = Tshark.fields(pcapFile, "icmp", List.of("frame.len", "ip.src", "ip.dst", "icmp.type",
                "icmp.code", "icmp.checksum.status", "udp.srcport", "udp.dstport", "udp.length"));
        // The outer header, then the quoted one; the quote keeps the datagram's UDP header and length field.
        assertEquals(List.of(String.join("\t", "590", "192.0.2.2,192.0.2.1", "192.0.2.1,192.0.2.2", "3", "3", "1",
                "40009", "9", "608")), fields);
        Tshark.assertNone(pcapFile, Tshark.MALFORMED_OR_WARNED);
    }

    /**
     * A kernel TCP connection attempt to a host without TCP: the protocol unreachable ends it at once, and the
     * kernel reports ENOPROTOOPT, "Protocol not available", instead of retrying its SYN for two minutes.
     */
    @Test
    void aKernelTcpConnectFailsWithProtocolNotAvailableFromAProtocolUnreachable() throws Exception {
        try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.INET);
             Selector selector = Selector.open()) {
            socket.bind(new InetSocketAddress(InetAddress.ofLiteral(KERNEL_IP), 0));
            socket.configureBlocking(false);
            assertFalse(socket.connect(new InetSocketAddress(InetAddress.ofLiteral(HOST_IP), 80)));

            answer(frames.await(frame -> ipv4Protocol(frame) == Ipv4Packet.PROTOCOL_TCP, 5, TimeUnit.SECONDS),
                    Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE, Icmpv4Errors::protocolUnreachable);

            socket.register(selector, SelectionKey.OP_CONNECT);
            assertEquals(1, selector.select(5000), "the connection attempt ended within 5 s");
            SocketException failure = assertThrows(SocketException.class, socket::finishConnect);
            assertTrue(failure.getMessage().contains("Protocol not available"), failure::toString);
        }
    }

    /**
     * Sends what a host on this device sends about the packet in {@code frame}, which it releases: the error that
     * {@code build} makes, if the gate lets it through, in an Ethernet frame back to the sender.
     */
    private void answer(ByteBuf frame, int code, BiFunction<ByteBufAllocator, Ipv4Packet, ByteBuf> build)
            throws InterruptedException {
        try {
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength()));
            IcmpErrorGate gate = new IcmpErrorGate();
            assertTrue(gate.allowIpv4(ip, MacAddress.isMulticast(ethernet.destination()),
                    Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, code), gate::toString);
            ByteBuf error = build.apply(channel.alloc(), ip);
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
        if (ipv4Protocol(frame) != Ipv4Packet.PROTOCOL_UDP) {
            return false;
        }
        Ipv4Packet ip = Ipv4Packet.parse(frame.slice(frame.readerIndex() + EthernetFrame.HEADER_LENGTH,
                frame.readableBytes() - EthernetFrame.HEADER_LENGTH));
        UdpDatagram udp = new UdpDatagram();
        return udp.wrap(ip) && udp.destinationPort() == DISCARD_PORT;
    }

    /** The protocol of the IPv4 packet in an untagged Ethernet frame, or -1 for anything else. */
    private static int ipv4Protocol(ByteBuf frame) {
        EthernetFrame ethernet = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        boolean ipv4 = ethernet.wrap(frame) && ethernet.etherType() == EthernetFrame.ETHERTYPE_IPV4
                && ethernet.payloadOffset() - frame.readerIndex() == EthernetFrame.HEADER_LENGTH
                && ip.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength());
        return ipv4 ? ip.protocol() : -1;
    }
}
