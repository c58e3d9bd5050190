package io.netstack.handler;

import io.netstack.wire.Ipv6Address;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.testing.CapturedIpv6Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A UDP service of an IPv6-only host: datagrams in with IPv6 socket addresses, answers out over IPv6. */
class UdpServiceIpv6Test {
    private static final Ipv6Address KERNEL = Ipv6Address.parse("2001:db8::1");

    @Test
    void readsAndAnswersDatagramsOverIpv6() {
        List<DatagramPacket> read = new ArrayList<>();
        UserspaceHost host = UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02"))
                .address(Ipv6Address.parse("2001:db8::2")).udpEchoPort(9)
                .udpService(7, new SimpleChannelInboundHandler<DatagramPacket>(false) {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        read.add(packet);
                    }
                }).build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        channel.<ByteBuf>readOutbound().release(); // the announcement
        host.ndp().neighbours().put(KERNEL.high(), KERNEL.low(), 0x02005e100001L);

        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.UDP_HELLO));
        assertEquals(1, read.size(), host.summary());
        DatagramPacket hello = read.getFirst();
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("2001:db8::1"), 40000), hello.sender());
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("2001:db8::2"), 7), hello.recipient());
        assertEquals("hello", hello.content().toString(StandardCharsets.US_ASCII));

        UdpServiceChannel service = host.udpServices().channel(7);
        service.writeAndFlush(new DatagramPacket(hello.content(), hello.sender())).syncUninterruptibly();
        ByteBuf answer = channel.readOutbound();
        InboundFrame decoded = new InboundFrame(LinkLayer.ETHERNET);
        try {
            assertNull(decoded.decode(answer));
            assertNull(decoded.verifyChecksums(), "the UDP checksum, mandatory over IPv6");
            assertEquals(InboundFrame.Kind.UDP, decoded.kind());
            assertFalse(decoded.isIpv4());
            assertEquals(7, decoded.udp().sourcePort());
            assertEquals(40000, decoded.udp().destinationPort());
            assertEquals("hello", decoded.udp().payload().toString(StandardCharsets.US_ASCII));
        } finally {
            answer.release();
        }
        // To an address this channel did not make, from the recipient it did: both written from their octets.
        service.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer("again", StandardCharsets.US_ASCII),
                new InetSocketAddress(InetAddress.ofLiteral("2001:db8::1"), 40001), hello.recipient()))
                .syncUninterruptibly();
        ByteBuf again = channel.readOutbound();
        try {
            assertNull(decoded.decode(again));
            assertNull(decoded.verifyChecksums());
            assertEquals(Ipv6Address.parse("2001:db8::2"),
                    Ipv6Address.read(again, decoded.ipv6().sourceOffset()));
            assertEquals(KERNEL, Ipv6Address.read(again, decoded.ipv6().destinationOffset()));
            assertEquals(40001, decoded.udp().destinationPort());
            assertEquals("again", decoded.udp().payload().toString(StandardCharsets.US_ASCII));
        } finally {
            again.release();
        }
        assertInstanceOf(UnsupportedAddressTypeException.class, service.writeAndFlush(new DatagramPacket(
                Unpooled.copiedBuffer("v4", StandardCharsets.US_ASCII), new InetSocketAddress("192.0.2.1", 7)))
                .cause(), "the host has no IPv4 address to send from");
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
        assertEquals(1, host.drops().total(), host.summary());
        assertEquals(1, host.drops().count(OutboundDrop.UNSENDABLE), "the write to an IPv4 address");
    }
}
