package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TCP options read in place, and written as Linux lays them out. */
class TcpOptionsTest {
    private static final Ipv4Header IP = Ipv4Header.of(0xc000_0202, 0xc000_0201, Ipv4Packet.PROTOCOL_TCP);

    /** A segment of the given options, as the wire module's builder writes it, viewed in place. */
    private static TcpSegment segment(ByteBuf packet) {
        TcpSegment tcp = new TcpSegment();
        assertTrue(tcp.wrap(packet, packet.readerIndex() + Ipv4Packet.MIN_HEADER_LENGTH,
                packet.readableBytes() - Ipv4Packet.MIN_HEADER_LENGTH));
        return tcp;
    }

    @Test
    void readsTheSynOptionsItWritesInLinuxsLayout() {
        int length = TcpOptions.synOptionsLength(true, true, true);
        assertEquals(20, length);
        ByteBuf packet = TcpSegments.start(Unpooled.buffer().alloc(), IP, 80, 40000, 1, 0, TcpSegment.SYN, 65535,
                length, 0);
        TcpOptions.writeSynOptions(packet, 1460, true, true, 0x01020304, 0, 7);
        TcpSegments.finish(packet, IP);
        try {
            TcpSegment tcp = segment(packet);
            // What tcpdump shows for a Linux SYN: mss 1460,sackOK,TS val ... ecr 0,nop,wscale 7
            assertEquals("020405b4" + "0402" + "080a0102030400000000" + "01030307",
                    ByteBufUtil.hexDump(packet, tcp.optionsOffset(), tcp.optionsLength()));
            TcpOptions options = new TcpOptions().read(tcp);
            assertEquals(1460, options.maximumSegmentSize());
            assertEquals(7, options.windowScale());
            assertTrue(options.sackPermitted());
            assertTrue(options.hasTimestamps());
            assertEquals(0x01020304, options.timestampValue());
            assertTrue(tcp.isChecksumValid(Ipv4Packet.parse(packet)));
        } finally {
            packet.release();
        }
    }

    @Test
    void readsSackBlocksAndStopsAtAMalformedOption() {
        int[] edges = {100, 200, 300, 400};
        int length = TcpOptions.TIMESTAMPS_LENGTH + TcpOptions.sackLength(2) + 4;
        ByteBuf packet = TcpSegments.start(Unpooled.buffer().alloc(), IP, 80, 40000, 1, 2, TcpSegment.ACK, 100,
                length, 0);
        TcpOptions.writeTimestamps(packet, 5, 6);
        TcpOptions.writeSackBlocks(packet, edges, 2);
        packet.writeByte(TcpOptions.KIND_MSS).writeByte(1).writeShort(0); // a length below 2 ends the reading
        try {
            TcpOptions options = new TcpOptions().read(segment(packet));
            assertEquals(2, options.sackBlockCount());
            assertEquals(300, options.sackLeftEdge(1));
            assertEquals(400, options.sackRightEdge(1));
            assertEquals(6, options.timestampEchoReply());
            assertEquals(-1, options.maximumSegmentSize());
            assertEquals(-1, options.windowScale());
            assertFalse(options.sackPermitted());
        } finally {
            packet.release();
        }
    }

    @Test
    void takesAWindowScaleAbove14As14() {
        ByteBuf packet = TcpSegments.start(Unpooled.buffer().alloc(), IP, 80, 40000, 1, 0, TcpSegment.SYN, 100,
                TcpOptions.synOptionsLength(false, false, true), 0);
        TcpOptions.writeSynOptions(packet, 536, false, false, 0, 0, 15);
        try {
            assertEquals(TcpOptions.MAX_WINDOW_SCALE, new TcpOptions().read(segment(packet)).windowScale());
        } finally {
            packet.release();
        }
    }
}
