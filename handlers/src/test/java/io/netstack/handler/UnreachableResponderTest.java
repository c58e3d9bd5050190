package io.netstack.handler;

import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Header;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the {@link UnreachableResponder} of a host on a TUN link answers and what it leaves alone; the kernel's side
 * of the errors is {@link UnreachableResponderKernelTest}'s.
 */
class UnreachableResponderTest {
    private static final Ipv4Address HOST_IP = Ipv4Address.parse("192.0.2.2");
    private static final int KERNEL_IP = Ipv4Address.parse("192.0.2.1").value();
    private static final Ipv6Address HOST_IP6 = Ipv6Address.parse("2001:db8::2");
    private static final Ipv6Address KERNEL_IP6 = Ipv6Address.parse("2001:db8::1");
    private static final int TCP_HEADER_LENGTH = 20;
    private static final int TCP_CHECKSUM_OFFSET = 16;
    private static final byte TCP_SYN = 0x02;
    private static final int UDP_CHECKSUM_OFFSET = 6;
    private static final int UNRECOGNIZED_OPTION_TO_REPORT = 0x82;

    private final UserspaceHost host = UserspaceHost.builder().linkLayer(LinkLayer.IP).address(HOST_IP)
            .address(HOST_IP6).build();
    private final EmbeddedChannel channel = new EmbeddedChannel(host);
    private final InboundFrame answer = new InboundFrame(LinkLayer.IP);

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    /** RFC 9293 section 3.10.7.1: a reset is TCP's answer to a closed port, not an ICMP port unreachable. */
    @Test
    void leavesTcpToAClosedPortToTheResetOfTheHostsTcp() {
        channel.writeInbound(ipv4(KERNEL_IP, HOST_IP.value(), Ipv4Packet.PROTOCOL_TCP, synTo(80),
                TCP_CHECKSUM_OFFSET));
        ByteBuf reset = channel.readOutbound();
        try {
            assertNull(answer.decode(reset));
            assertEquals(InboundFrame.Kind.TCP, answer.kind());
            TcpSegment tcp = answer.headers().tcp();
            assertEquals(TcpSegment.RST | TcpSegment.ACK, tcp.flags());
            assertEquals(1, tcp.acknowledgmentNumber(), "the SYN's sequence number 0, plus the SYN");
            assertEquals(80, tcp.sourcePort());
        } finally {
            reset.release();
        }
        assertNull(channel.readOutbound());
        assertEquals(1, host.tcp().connections().resetsToClosedPorts());
        assertEquals(0, host.drops().total(), host.summary());
        assertEquals("sent 0, suppressed{}", host.icmpErrors().toString());
    }

    @Test
    void countsTheErrorItMayNotSendAboutAMulticastAndTheDatagramAsDropped() {
        channel.writeInbound(ipv4(KERNEL_IP, Ipv4Address.parse("224.0.0.251").value(), Ipv4Packet.PROTOCOL_UDP,
                udpTo(5353), UDP_CHECKSUM_OFFSET));
        assertNull(channel.readOutbound());
        assertEquals(1, host.icmpErrors().suppressed(IcmpErrorSuppression.NON_UNICAST_DESTINATION));
        assertEquals(1, host.drops().count(InboundFrame.Kind.UDP), host.summary());
    }

    @Test
    void leavesADatagramForAnotherHostToTheUnhandledCounter() {
        channel.writeInbound(ipv4(KERNEL_IP, Ipv4Address.parse("192.0.2.3").value(), Ipv4Packet.PROTOCOL_UDP,
                udpTo(9), UDP_CHECKSUM_OFFSET));
        assertNull(channel.readOutbound());
        assertEquals(1, host.drops().count(InboundFrame.Kind.UDP), host.summary());
        assertEquals("sent 0, suppressed{}", host.icmpErrors().toString());
    }

    /**
     * An option of type {@code 10xxxxxx} in a Destination Options header, unknown to the host: a Parameter Problem,
     * code 2, pointing at its type, two bytes into the header after the fixed one.
     */
    @Test
    void answersAnUnrecognizedOptionThatAsksForItWithAParameterProblem() {
        byte[] destinationOptions = {Ipv4Packet.PROTOCOL_UDP, 0, (byte) UNRECOGNIZED_OPTION_TO_REPORT, 4,
            0, 0, 0, 0};
        channel.writeInbound(ipv6(HOST_IP6, Ipv6ExtensionHeaders.DESTINATION_OPTIONS, destinationOptions));
        Icmpv6Packet error = readIcmpv6Error();
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, error.type());
        assertEquals(Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, error.code());
        assertEquals(Ipv6Packet.HEADER_LENGTH + 2, error.pointer());
        answer.release();
        assertEquals(1, host.drops().count(InboundFrame.Kind.IPV6_OTHER), host.summary());
    }

    /** RFC 4443 section 2.4 (b): an unknown informational message is dropped without an error. */
    @Test
    void leavesAnIcmpv6MessageNoHandlerTookUnanswered() {
        byte[] unknownInformational = {(byte) 200, 0, 0, 0, 0, 0, 0, 0};
        ByteBuf packet = ipv6(HOST_IP6, Ipv6Packet.PROTOCOL_ICMPV6, unknownInformational);
        // A well-formed message, its checksum over the pseudo-header, so that only its type is unknown.
        long pseudoHeader = Ipv6Header.of(KERNEL_IP6, HOST_IP6, Ipv6Packet.PROTOCOL_ICMPV6)
                .pseudoHeaderSum(unknownInformational.length);
        packet.setShort(Ipv6Packet.HEADER_LENGTH + 2, InternetChecksum.finish(InternetChecksum.sum(packet,
                Ipv6Packet.HEADER_LENGTH, unknownInformational.length, pseudoHeader)));
        channel.writeInbound(packet);
        assertNull(channel.readOutbound());
        assertEquals(1, host.drops().count(InboundFrame.Kind.ICMPV6), host.summary());
        assertEquals("sent 0, suppressed{}", host.icmpErrors().toString());
    }

    @Test
    void aHostWithoutIpv6AddressesSendsNoIcmpv6Error() {
        UserspaceHost ipv4Only = UserspaceHost.builder().linkLayer(LinkLayer.IP).address(HOST_IP).build();
        EmbeddedChannel ipv4Channel = new EmbeddedChannel(ipv4Only);
        ipv4Channel.writeInbound(ipv6(Ipv6Address.ALL_NODES, 253, new byte[8]));
        assertNull(ipv4Channel.readOutbound());
        assertEquals(1, ipv4Only.drops().count(InboundFrame.Kind.IPV6_OTHER), ipv4Only.summary());
        assertFalse(ipv4Channel.finishAndReleaseAll());
    }

    /**
     * A flood to a closed port from one source: past the destination's burst every error is refused by the rate
     * limit, and deciding so allocates nothing per datagram.
     */
    @Test
    void refusesErrorsToAFloodWithoutAllocatingPerDatagram() {
        Allocations.Recycling allocator = new Allocations.Recycling();
        channel.config().setAllocator(allocator);
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ((ByteBuf) msg).release();
            }
        });
        ByteBuf flood = ipv4(KERNEL_IP, HOST_IP.value(), Ipv4Packet.PROTOCOL_UDP, udpTo(9), UDP_CHECKSUM_OFFSET);
        ByteBuf datagram = Allocations.untracked(ByteBufUtil.getBytes(flood));
        flood.release();
        int datagrams = 100_000;
        try {
            long allocated = Allocations.ofSecondRun(() -> {
                for (int i = 0; i < datagrams; i++) {
                    channel.pipeline().fireChannelRead(datagram.retain());
                    channel.pipeline().fireChannelReadComplete();
                }
                return host.icmpErrors().suppressed();
            });
            assertTrue(allocated < datagrams, allocated + " bytes for " + datagrams + " datagrams");
        } finally {
            datagram.release();
        }
        IcmpErrorGate errors = host.icmpErrors();
        assertEquals(2L * datagrams, errors.sent() + errors.suppressed(IcmpErrorSuppression.DESTINATION_RATE_LIMIT)
                + errors.suppressed(IcmpErrorSuppression.GLOBAL_RATE_LIMIT), errors.toString());
        assertEquals(2L * datagrams, host.drops().count(InboundFrame.Kind.UDP));
        allocator.release();
    }

    /** Reads the host's one answer, which must be a well-formed ICMPv6 message to the kernel; release it after. */
    private Icmpv6Packet readIcmpv6Error() {
        ByteBuf packet = channel.readOutbound();
        assertNull(answer.decode(packet));
        assertNull(channel.readOutbound(), "one answer");
        Ipv6Packet ip = answer.headers().ipv6();
        assertEquals(Ipv6Packet.PROTOCOL_ICMPV6, ip.nextHeader());
        assertEquals(KERNEL_IP6, Ipv6Address.read(ip.buffer(), ip.destinationOffset()));
        assertEquals(HOST_IP6, Ipv6Address.read(ip.buffer(), ip.sourceOffset()));
        return Icmpv6Packet.parse(ip.payload());
    }

    private static byte[] synTo(int port) {
        byte[] tcp = new byte[TCP_HEADER_LENGTH];
        tcp[2] = (byte) (port >>> 8);
        tcp[3] = (byte) port;
        tcp[12] = TCP_HEADER_LENGTH / 4 << 4;
        tcp[13] = TCP_SYN;
        return tcp;
    }

    private static byte[] udpTo(int port) {
        byte[] udp = new byte[8];
        udp[0] = (byte) 0x9c;
        udp[1] = 0x40;
        udp[2] = (byte) (port >>> 8);
        udp[3] = (byte) port;
        udp[5] = 8;
        return udp;
    }

    /** An IPv4 packet carrying {@code payload}, whose checksum at {@code checksumOffset} is computed. */
    private static ByteBuf ipv4(int source, int destination, int protocol, byte[] payload, int checksumOffset) {
        Ipv4Header ip = Ipv4Header.of(source, destination, protocol);
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.buffer();
        ip.write(packet, payload.length);
        int start = packet.writerIndex();
        packet.writeBytes(payload);
        packet.setShort(start + checksumOffset, InternetChecksum.finish(
                InternetChecksum.sum(packet, start, payload.length, ip.pseudoHeaderSum(payload.length))));
        return packet;
    }

    private static ByteBuf ipv6(Ipv6Address destination, int nextHeader, byte[] payload) {
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.buffer();
        Ipv6Header.of(KERNEL_IP6, destination, nextHeader).write(packet, payload.length);
        return packet.writeBytes(payload);
    }
}
