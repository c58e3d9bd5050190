package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.UdpDatagram;
import io.netstack.wire.VirtioNetFrame;
import io.netstack.wire.testing.OffloadFrames;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

class PacketDemultiplexerTest {
    private final DropCounters drops = new DropCounters();
    private final List<InboundFrame.Kind> kinds = new ArrayList<>();
    private final List<InboundFrame> messages = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof InboundFrame inbound) {
                        kinds.add(inbound.kind());
                        messages.add(inbound);
                        inbound.release();
                    } else {
                        ctx.fireChannelRead(msg);
                    }
                }
            });

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    @Test
    void classifiesEachFrameInOneReusedMessage() {
        byte[][] frames = {CapturedFrames.ARP_REQUEST, CapturedFrames.ECHO_REQUEST, CapturedFrames.UDP_HELLO,
                CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT, CapturedFrames.echoRequestFirstFragment(),
                CapturedFrames.tagged(CapturedFrames.ECHO_REQUEST, EthernetFrame.ETHERTYPE_VLAN, 10),
                tcpSyn(), gre(), udpOverIpv6(), lldp()};
        List<ByteBuf> written = new ArrayList<>();
        for (byte[] frame : frames) {
            ByteBuf buf = pooled(frame);
            written.add(buf);
            channel.writeInbound(buf);
        }
        assertEquals(List.of(InboundFrame.Kind.ARP, InboundFrame.Kind.ICMPV4, InboundFrame.Kind.UDP,
                InboundFrame.Kind.IPV4_FRAGMENT, InboundFrame.Kind.IPV4_FRAGMENT, InboundFrame.Kind.ICMPV4,
                InboundFrame.Kind.TCP, InboundFrame.Kind.IPV4_OTHER, InboundFrame.Kind.UDP,
                InboundFrame.Kind.OTHER_ETHERTYPE), kinds);
        for (InboundFrame message : messages) {
            assertSame(messages.get(0), message, "one InboundFrame per channel, re-pointed at each frame");
        }
        for (ByteBuf buf : written) {
            assertEquals(0, buf.refCnt());
        }
        assertEquals(0, drops.total());
    }

    @Test
    void dropsMalformedFramesByReason() {
        byte[] badChecksum = CapturedFrames.ECHO_REQUEST.clone();
        badChecksum[14 + 8]--;
        byte[] badUdp = CapturedFrames.UDP_HELLO.clone();
        badUdp[badUdp.length - 1]++;
        ByteBuf[] frames = {pooled(new byte[10]), pooled(badChecksum), pooled(badUdp), pooled(badUdp),
                pooled(Arrays.copyOf(CapturedFrames.ARP_REQUEST, 30))};
        for (ByteBuf frame : frames) {
            assertFalse(channel.writeInbound(frame));
            assertEquals(0, frame.refCnt());
        }
        assertEquals(1, drops.count(DecodeError.ETHERNET_TRUNCATED));
        assertEquals(1, drops.count(DecodeError.IPV4_BAD_CHECKSUM));
        assertEquals(2, drops.count(DecodeError.UDP_BAD_CHECKSUM));
        assertEquals(1, drops.count(DecodeError.ARP_TRUNCATED));
        assertEquals(5, drops.total());
        assertEquals("malformed{ETHERNET_TRUNCATED=1, ARP_TRUNCATED=1, IPV4_BAD_CHECKSUM=1, UDP_BAD_CHECKSUM=2}, "
                + "unhandled{}, outbound{}", drops.toString());
        assertEquals(List.of(), kinds);
    }

    @Test
    void verifiesChecksumsUnlessTheKernelVouchedForThem() {
        byte[] badIpChecksum = CapturedFrames.ECHO_REQUEST.clone();
        badIpChecksum[14 + 11]++;
        byte[] badUdpChecksum = CapturedFrames.UDP_HELLO.clone();
        badUdpChecksum[badUdpChecksum.length - 1]++;
        byte[] badTcpChecksum = tcpSyn();
        badTcpChecksum[badTcpChecksum.length - 1]++;
        // Dropped as plain frames, and with a virtio_net_hdr that vouches for nothing.
        channel.writeInbound(pooled(badIpChecksum));
        channel.writeInbound(pooled(badUdpChecksum));
        channel.writeInbound(pooled(badTcpChecksum));
        channel.writeInbound(virtio(0, badUdpChecksum));
        assertEquals(List.of(), kinds);
        assertEquals(1, drops.count(DecodeError.IPV4_BAD_CHECKSUM));
        assertEquals(2, drops.count(DecodeError.UDP_BAD_CHECKSUM));
        assertEquals(1, drops.count(DecodeError.TCP_BAD_CHECKSUM));

        // The kernel verified them (DATA_VALID), or they are a local sender's with a partial sum (NEEDS_CSUM).
        ByteBuf partial = OffloadFrames.of(true, false).udp(1, new byte[] {1, 2, 3}, true);
        channel.writeInbound(virtio(VirtioNetFrame.F_DATA_VALID, badIpChecksum));
        channel.writeInbound(virtio(VirtioNetFrame.F_DATA_VALID, badUdpChecksum));
        channel.writeInbound(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, VirtioNetFrame.GSO_NONE,
                0, 0, 14 + 20, UdpDatagram.CHECKSUM_OFFSET, partial));
        assertEquals(List.of(InboundFrame.Kind.ICMPV4, InboundFrame.Kind.UDP, InboundFrame.Kind.UDP), kinds);
        assertEquals(0, partial.refCnt());
        assertEquals(4, drops.total());
    }

    @Test
    void dropsSuperFramesItCannotTake() {
        ByteBuf superFrame = OffloadFrames.of(true, false).tcp(1, 1, TcpSegment.ACK, new byte[3000], true);
        channel.writeInbound(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, VirtioNetFrame.GSO_TCPV4,
                14 + 20 + 32, 1448, 14 + 20, TcpSegment.CHECKSUM_OFFSET, superFrame));
        assertEquals(0, superFrame.refCnt());
        assertEquals(1, drops.count(DecodeError.VIRTIO_NET_UNSUPPORTED_GSO));
        assertEquals(List.of(), kinds);
    }

    private static VirtioNetFrame virtio(int flags, byte[] frame) {
        return VirtioNetFrame.newInstance(flags, VirtioNetFrame.GSO_NONE, 0, 0, 0, 0, pooled(frame));
    }

    @Test
    void classifiesTheIpPacketsOfATunDevice() {
        List<InboundFrame.Kind> tunKinds = new ArrayList<>();
        EmbeddedChannel tun = new EmbeddedChannel(new PacketDemultiplexer(LinkLayer.IP, drops),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        InboundFrame inbound = (InboundFrame) msg;
                        tunKinds.add(inbound.kind());
                        inbound.release();
                    }
                });
        byte[][] frames = {CapturedFrames.ECHO_REQUEST, CapturedFrames.UDP_HELLO,
                CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT, udpOverIpv6()};
        for (byte[] frame : frames) {
            tun.writeInbound(pooled(Arrays.copyOfRange(frame, EthernetFrame.HEADER_LENGTH, frame.length)));
        }
        byte[] badChecksum = Arrays.copyOfRange(CapturedFrames.ECHO_REQUEST, EthernetFrame.HEADER_LENGTH,
                CapturedFrames.ECHO_REQUEST.length);
        badChecksum[11]++;
        tun.writeInbound(pooled(badChecksum));
        // An Ethernet frame is no IP packet: its first nibble, of the broadcast MAC address, reads as version 15.
        tun.writeInbound(pooled(CapturedFrames.ARP_REQUEST));
        assertFalse(tun.finishAndReleaseAll());
        assertEquals(List.of(InboundFrame.Kind.ICMPV4, InboundFrame.Kind.UDP, InboundFrame.Kind.IPV4_FRAGMENT,
                InboundFrame.Kind.UDP, InboundFrame.Kind.OTHER_ETHERTYPE), tunKinds);
        assertEquals(1, drops.count(DecodeError.IPV4_BAD_CHECKSUM));
        assertEquals(1, drops.total());
    }

    @Test
    void passesOtherMessagesOnUntouched() {
        Object message = "not a frame";
        channel.writeInbound(message);
        assertSame(message, channel.readInbound());
    }

    /** A TCP SYN, which the host decodes but does not answer. */
    private static byte[] tcpSyn() {
        return bytesOf(OffloadFrames.of(true, false).tcp(1, 1000, TcpSegment.SYN, new byte[0], false));
    }

    /** The captured ping with protocol 47 (GRE), to see an IPv4 protocol the demultiplexer does not decode further. */
    private static byte[] gre() {
        return CapturedFrames.withIpv4HeaderByte(CapturedFrames.ECHO_REQUEST, 9, 47);
    }

    private static byte[] udpOverIpv6() {
        return bytesOf(OffloadFrames.of(true, true).udp(0, new byte[] {1, 2, 3}, false));
    }

    private static byte[] bytesOf(ByteBuf frame) {
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    /** An LLDP frame (EtherType 0x88cc) to its nearest-bridge multicast address, with an empty body. */
    private static byte[] lldp() {
        return CapturedFrames.hex("0180c200000e02005e10000188cc" + "00".repeat(46));
    }
}
