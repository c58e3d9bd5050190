package io.netstack.handler;

import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.testing.OffloadFrames;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroCoalescerTest {
    private static final int ACK = TcpSegment.ACK;
    private static final int PSH = TcpSegment.PSH;
    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    private List<Object> coalesce(GroCoalescer coalescer, ByteBuf... frames) {
        channel = new EmbeddedChannel(coalescer);
        for (ByteBuf frame : frames) {
            channel.pipeline().fireChannelRead(frame);
        }
        channel.pipeline().fireChannelReadComplete();
        List<Object> out = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            out.add(msg);
        }
        return out;
    }

    /** Segments of 1000, 1000 and 500 bytes, the last with PSH, with consecutive IP identifications. */
    private static List<ByteBuf> burst(OffloadFrames frames, byte[] data) {
        return List.of(
                frames.tcp(10, 1_000_000, ACK, java.util.Arrays.copyOfRange(data, 0, 1000), false),
                frames.tcp(11, 1_001_000, ACK, java.util.Arrays.copyOfRange(data, 1000, 2000), false),
                frames.tcp(12, 1_002_000, ACK | PSH, java.util.Arrays.copyOfRange(data, 2000, 2500), false));
    }

    /** Merging, then splitting with {@link GsoSplitter}, gives back exactly the segments that went in. */
    @ParameterizedTest(name = "ethernet={0} ipv6={1}")
    @CsvSource({"true, false", "true, true", "false, false", "false, true"})
    void mergesInOrderSegmentsIntoASuperFrameThatSplitsBackIntoThem(boolean ethernet, boolean ipv6) {
        OffloadFrames frames = OffloadFrames.of(ethernet, ipv6);
        LinkLayer linkLayer = ethernet ? LinkLayer.ETHERNET : LinkLayer.IP;
        byte[] data = OffloadFrames.data(2500, 4);
        List<ByteBuf> segments = burst(frames, data);
        List<byte[]> expected = segments.stream().map(ByteBufUtil::getBytes).toList();

        List<Object> out = coalesce(new GroCoalescer(linkLayer), segments.toArray(ByteBuf[]::new));

        assertEquals(1, out.size());
        VirtioNetFrame merged = assertInstanceOf(VirtioNetFrame.class, out.get(0));
        assertEquals(ipv6 ? VirtioNetFrame.GSO_TCPV6 : VirtioNetFrame.GSO_TCPV4, merged.gsoType());
        assertEquals(VirtioNetFrame.F_NEEDS_CSUM, merged.flags());
        assertEquals(1000, merged.gsoSize());
        assertEquals(frames.transportOffset(), merged.csumStart());
        assertEquals(TcpSegment.CHECKSUM_OFFSET, merged.csumOffset());
        assertEquals(frames.transportOffset() + OffloadFrames.TCP_HEADER_LENGTH, merged.hdrLen());
        assertEquals(frames.transportOffset() + OffloadFrames.TCP_HEADER_LENGTH + 2500,
                merged.content().readableBytes());
        assertTrue(merged.content().readerIndex() >= VirtioNetFrame.HEADER_LENGTH, "headroom for a vnet header");
        for (ByteBuf segment : segments) {
            assertEquals(0, segment.refCnt(), "merged segments are released");
        }

        EmbeddedChannel splitter = new EmbeddedChannel(new GsoSplitter(linkLayer));
        splitter.writeInbound(merged);
        for (byte[] segment : expected) {
            ByteBuf again = splitter.readInbound();
            assertEquals(ByteBufUtil.hexDump(segment), ByteBufUtil.hexDump(again));
            again.release();
        }
        assertNull(splitter.readInbound());
        assertFalse(splitter.finish());
    }

    @Test
    void aLoneSegmentPassesAsItIs() {
        ByteBuf segment = OffloadFrames.of(true, false).tcp(1, 1, ACK, new byte[100], false);
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), segment);
        assertEquals(1, out.size());
        assertSame(segment, out.get(0));
        segment.release();
    }

    @Test
    void anotherFlowAGapOrAPureAckEndsTheSuperFrameAndKeepsTheOrder() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        OffloadFrames otherFlow = OffloadFrames.of(true, false).sourcePort(40001);
        ByteBuf a1 = frames.tcp(1, 0, ACK, new byte[100], false);
        ByteBuf a2 = frames.tcp(2, 100, ACK, new byte[100], false);
        ByteBuf b1 = otherFlow.tcp(3, 100, ACK, new byte[100], false);
        ByteBuf gap = frames.tcp(4, 300, ACK, new byte[100], false);
        ByteBuf pureAck = frames.tcp(5, 400, ACK, new byte[0], false);
        ByteBuf syn = frames.tcp(6, 400, TcpSegment.SYN, new byte[100], false);
        ByteBuf newAck = frames.acknowledgmentNumber(99).tcp(7, 400, ACK, new byte[100], false);

        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), a1, a2, b1, gap, pureAck, syn, newAck);

        assertEquals(6, out.size(), out.toString());
        VirtioNetFrame merged = assertInstanceOf(VirtioNetFrame.class, out.get(0));
        assertEquals(100, merged.gsoSize());
        assertEquals(2, merged.content().readableBytes() / 100, "a1 and a2");
        assertSame(b1, out.get(1));
        assertSame(gap, out.get(2));
        assertSame(pureAck, out.get(3));
        assertSame(syn, out.get(4));
        assertSame(newAck, out.get(5), "another acknowledgment number is another segment");
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void aSegmentWithABadChecksumIsNotMergedButPassesOnUnchanged() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        ByteBuf first = frames.tcp(1, 0, ACK, new byte[100], false);
        ByteBuf corrupted = frames.tcp(2, 100, ACK, new byte[100], false);
        corrupted.setByte(corrupted.writerIndex() - 1, 1);
        ByteBuf third = frames.tcp(3, 200, ACK, new byte[100], false);
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), first, corrupted, third);
        assertEquals(List.of(first, corrupted, third), out, "nothing merged across or into the bad segment");
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @ParameterizedTest(name = "ipv6={0}")
    @CsvSource({"false", "true"})
    void anotherTtlOrHopLimitDoesNotMerge(boolean ipv6) {
        OffloadFrames frames = OffloadFrames.of(true, ipv6);
        ByteBuf first = frames.tcp(1, 0, ACK, new byte[100], false);
        ByteBuf second = frames.tcp(2, 100, ACK, new byte[100], false);
        if (ipv6) {
            second.setByte(14 + 7, 63); // the hop limit is not in the pseudo-header: the TCP checksum still holds
        } else {
            Ipv4Packet ip = new Ipv4Packet();
            assertTrue(ip.wrap(second, 14, second.readableBytes() - 14));
            second.setByte(14 + 8, 63);
            ip.updateHeaderChecksum();
        }
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), first, second);
        assertEquals(List.of(first, second), out);
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void differentTcpOptionsDoNotMerge() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        ByteBuf first = frames.tcp(1, 0, ACK, new byte[100], false);
        ByteBuf laterTimestamp = frames.timestamp(778).tcp(2, 100, ACK, new byte[100], false);
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), first, laterTimestamp);
        assertEquals(List.of(first, laterTimestamp), out);
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void aSegmentLongerThanTheFirstOrAfterAShortOneStartsANewSuperFrame() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        ByteBuf small = frames.tcp(1, 0, ACK, new byte[100], false);
        ByteBuf large = frames.tcp(2, 100, ACK, new byte[200], false);
        ByteBuf shorter = frames.tcp(3, 300, ACK, new byte[150], false);
        ByteBuf after = frames.tcp(4, 450, ACK, new byte[200], false);
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), small, large, shorter, after);
        assertEquals(3, out.size(), out.toString());
        assertSame(small, out.get(0));
        VirtioNetFrame merged = assertInstanceOf(VirtioNetFrame.class, out.get(1));
        assertEquals(200, merged.gsoSize(), "large + shorter");
        assertSame(after, out.get(2), "nothing joins after a segment shorter than gso_size");
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void stopsBeforeTheMaximumPacketLength() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        int headers = 20 + OffloadFrames.TCP_HEADER_LENGTH;
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET, headers + 2000),
                frames.tcp(1, 0, ACK, new byte[1000], false),
                frames.tcp(2, 1000, ACK, new byte[1000], false),
                frames.tcp(3, 2000, ACK, new byte[1000], false));
        assertEquals(2, out.size());
        VirtioNetFrame merged = assertInstanceOf(VirtioNetFrame.class, out.get(0));
        Ipv4Packet ip = new Ipv4Packet();
        assertTrue(ip.wrap(merged.content(), merged.content().readerIndex() + 14,
                merged.content().readableBytes() - 14));
        assertTrue(ip.isChecksumValid(), "header checksum updated");
        assertEquals(headers + 2000, ip.totalLength());
        out.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void readCompleteFlushesWhatIsPendingBeforePassingOn() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        channel = new EmbeddedChannel(new GroCoalescer(LinkLayer.ETHERNET));
        channel.pipeline().fireChannelRead(frames.tcp(1, 0, ACK, new byte[100], false));
        channel.pipeline().fireChannelRead(frames.tcp(2, 100, ACK, new byte[100], false));
        assertNull(channel.readInbound(), "held until the read batch ends");
        channel.pipeline().fireChannelReadComplete();
        VirtioNetFrame merged = assertInstanceOf(VirtioNetFrame.class, channel.readInbound());
        merged.release();
    }

    @Test
    void nonTcpFramesAndOtherMessagesPass() {
        ByteBuf udp = OffloadFrames.of(true, false).udp(1, new byte[10], false);
        List<Object> out = coalesce(new GroCoalescer(LinkLayer.ETHERNET), udp);
        assertEquals(List.of(udp), out);
        udp.release();
    }
}
