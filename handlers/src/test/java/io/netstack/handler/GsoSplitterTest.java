package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.testing.OffloadFrames;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.UdpDatagram;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GsoSplitterTest {
    private static final int MSS = 1000;
    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    private List<ByteBuf> split(LinkLayer linkLayer, VirtioNetFrame frame) {
        channel = new EmbeddedChannel(new GsoSplitter(linkLayer));
        channel.writeInbound(frame);
        List<ByteBuf> segments = new ArrayList<>();
        for (ByteBuf segment; (segment = channel.readInbound()) != null; ) {
            segments.add(segment);
        }
        return segments;
    }

    private static VirtioNetFrame superFrame(ByteBuf frame, int gsoType, int transportOffset, int csumOffset) {
        return VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, gsoType, frame.readableBytes(), MSS,
                transportOffset, csumOffset, frame);
    }

    @Test
    void cutsATcpIpv4SuperFrameIntoSegmentsWithTheirOwnHeaders() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        byte[] data = OffloadFrames.data(2500, 1);
        int flags = TcpSegment.ACK | TcpSegment.PSH | TcpSegment.CWR;
        ByteBuf whole = frames.tcp(100, 5000, flags, data, true);
        List<ByteBuf> segments = split(LinkLayer.ETHERNET, superFrame(whole,
                VirtioNetFrame.GSO_TCPV4 | VirtioNetFrame.GSO_ECN, frames.transportOffset(), 16));

        assertEquals(3, segments.size());
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            ByteBuf segment = segments.get(i);
            assertEquals(VirtioNetFrame.HEADER_LENGTH, segment.readerIndex(), "headroom for a vnet header");
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(segment, segment.readerIndex() + 14, segment.readableBytes() - 14), "" + ip.error());
            assertTrue(ip.isChecksumValid(), "header checksum rewritten");
            assertEquals(segment.readableBytes() - 14, ip.totalLength());
            assertEquals(100 + i, ip.identification());
            TcpSegment tcp = new TcpSegment();
            assertTrue(tcp.wrap(ip), "" + tcp.error());
            assertTrue(tcp.isChecksumValid(ip), "checksum verifies");
            assertTrue(frames.transportChecksumValid(segment, OffloadFrames.TCP));
            assertEquals(5000 + i * MSS, tcp.sequenceNumber());
            assertEquals(i == 2 ? 500 : MSS, tcp.payloadLength());
            int expectedFlags = TcpSegment.ACK | (i == 0 ? TcpSegment.CWR : 0) | (i == 2 ? TcpSegment.PSH : 0);
            assertEquals(expectedFlags, tcp.flags(), "segment " + i);
            assertEquals(OffloadFrames.TCP_HEADER_LENGTH, tcp.headerLength(), "options are repeated");
            payload.writeBytes(ByteBufUtil.getBytes(segment, tcp.payloadOffset(), tcp.payloadLength()));
            segment.release();
        }
        assertArrayEquals(data, payload.toByteArray());
    }

    @Test
    void cutsATcpIpv6SuperFrameFromATunDevice() {
        OffloadFrames frames = OffloadFrames.of(false, true);
        byte[] data = OffloadFrames.data(3000, 2);
        ByteBuf whole = frames.tcp(0, -500, TcpSegment.ACK | TcpSegment.FIN, data, true);
        List<ByteBuf> segments = split(LinkLayer.IP, superFrame(whole, VirtioNetFrame.GSO_TCPV6,
                frames.transportOffset(), 16));

        assertEquals(3, segments.size());
        for (int i = 0; i < 3; i++) {
            ByteBuf segment = segments.get(i);
            Ipv6Packet ip = new Ipv6Packet();
            assertTrue(ip.wrap(segment));
            assertEquals(OffloadFrames.TCP_HEADER_LENGTH + MSS, ip.payloadLengthField());
            TcpSegment tcp = new TcpSegment();
            assertTrue(tcp.wrap(ip), "" + tcp.error());
            assertTrue(tcp.isChecksumValid(ip), "checksum verifies");
            assertTrue(frames.transportChecksumValid(segment, OffloadFrames.TCP));
            assertEquals(-500 + i * MSS, tcp.sequenceNumber(), "sequence numbers wrap around 2^32");
            assertEquals(TcpSegment.ACK | (i == 2 ? TcpSegment.FIN : 0), tcp.flags());
            segment.release();
        }
    }

    @Test
    void cutsAUdpSuperFrameIntoDatagrams() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        byte[] data = OffloadFrames.data(2100, 3);
        ByteBuf whole = frames.udp(7, data, true);
        List<ByteBuf> segments = split(LinkLayer.ETHERNET, superFrame(whole, VirtioNetFrame.GSO_UDP_L4,
                frames.transportOffset(), 6));

        assertEquals(3, segments.size());
        int[] lengths = {MSS, MSS, 100};
        for (int i = 0; i < 3; i++) {
            ByteBuf segment = segments.get(i);
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(segment, segment.readerIndex() + 14, segment.readableBytes() - 14));
            assertTrue(ip.isChecksumValid(), "header checksum rewritten");
            UdpDatagram udp = new UdpDatagram();
            assertTrue(udp.wrap(ip), "" + udp.error());
            assertTrue(udp.isChecksumValid(ip), "checksum verifies");
            assertTrue(udp.checksum() != 0);
            assertEquals(8 + lengths[i], udp.lengthField());
            assertArrayEquals(java.util.Arrays.copyOfRange(data, i * MSS, i * MSS + lengths[i]),
                    ByteBufUtil.getBytes(segment, udp.payloadOffset(), udp.payloadLength()));
            segment.release();
        }
    }

    @Test
    void completesAPartialChecksumInPlace() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        ByteBuf partial = frames.udp(1, "partial".getBytes(java.nio.charset.StandardCharsets.US_ASCII), true);
        ByteBuf padded = partial.writeZero(10); // Ethernet padding stays out of the sum
        List<ByteBuf> out = split(LinkLayer.ETHERNET, VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM,
                VirtioNetFrame.GSO_NONE, 0, 0, frames.transportOffset(), 6, padded));

        assertEquals(1, out.size());
        assertSame(padded, out.get(0), "no copy");
        ByteBuf frame = out.get(0);
        Ipv4Packet ip = new Ipv4Packet();
        assertTrue(ip.wrap(frame, 14, frame.readableBytes() - 14));
        UdpDatagram udp = new UdpDatagram();
        assertTrue(udp.wrap(ip));
        assertTrue(udp.isChecksumValid(ip), "checksum completed");
        frame.release();
    }

    @Test
    void aPlainFramePassesAsItsBareContent() {
        ByteBuf frame = OffloadFrames.of(true, false).tcp(1, 1, TcpSegment.ACK, new byte[10], false);
        List<ByteBuf> out = split(LinkLayer.ETHERNET, VirtioNetFrame.newInstance(VirtioNetFrame.F_DATA_VALID,
                VirtioNetFrame.GSO_NONE, 0, 0, 0, 0, frame));
        assertEquals(List.of(frame), out);
        assertSame(frame, out.get(0));
        frame.release();
    }

    @Test
    void aSuperFrameThatDoesNotMatchItsHeaderIsDroppedAndCounted() {
        OffloadFrames frames = OffloadFrames.of(true, true);
        ByteBuf ipv6 = frames.tcp(0, 1, TcpSegment.ACK, new byte[3000], true);
        ByteBuf truncated = frames.tcp(0, 1, TcpSegment.ACK, new byte[3000], true);
        truncated.writerIndex(14 + 40 + 10);
        ByteBuf outside = frames.udp(0, new byte[10], true);
        DropCounters drops = new DropCounters();
        channel = new EmbeddedChannel(new GsoSplitter(LinkLayer.ETHERNET, drops));
        channel.writeInbound(superFrame(ipv6, VirtioNetFrame.GSO_TCPV4, frames.transportOffset(), 16));
        channel.writeInbound(superFrame(truncated, VirtioNetFrame.GSO_TCPV6, frames.transportOffset(), 16));
        channel.writeInbound(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, 0, 0, 0, 2000, 6, outside));
        assertNull(channel.readInbound());
        assertEquals(0, ipv6.refCnt() + truncated.refCnt() + outside.refCnt(), "all released");
        assertEquals(1, drops.count(DecodeError.VIRTIO_NET_UNSUPPORTED_GSO), drops.toString());
        assertEquals(1, drops.count(DecodeError.IPV6_TRUNCATED), drops.toString());
        assertEquals(1, drops.count(DecodeError.VIRTIO_NET_BAD_OFFSETS), drops.toString());
    }

    @Test
    void otherMessagesPassUntouched() {
        channel = new EmbeddedChannel(new GsoSplitter(LinkLayer.ETHERNET));
        channel.writeInbound("not a frame");
        assertEquals("not a frame", channel.readInbound());
    }
}
