package io.netstack.protocol.handler;

import io.netstack.protocol.CapturedFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.netstack.protocol.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapWriterTest {
    @TempDir
    Path directory;

    @Test
    void recordsFramesInAndOut() throws IOException {
        Path file = directory.resolve("host.pcap");
        Instant before = Instant.now();
        PcapWriter pcap = new PcapWriter(file, PcapWriter.LinkType.ETHERNET);
        DropCounters drops = new DropCounters();
        EmbeddedChannel channel = new EmbeddedChannel(pcap, new EthernetDemultiplexer(drops),
                new IcmpEchoResponder(ArpResponderTest.HOST), new UnhandledFrameCounter(drops));
        channel.writeInbound(pooled(CapturedFrames.ECHO_REQUEST));
        ByteBuf reply = channel.readOutbound();
        byte[] replyBytes = ByteBufUtil.getBytes(reply);
        reply.release();
        channel.writeInbound(pooled(CapturedFrames.ARP_REQUEST));
        assertFalse(channel.finishAndReleaseAll());
        Instant after = Instant.now();

        Capture capture = Capture.read(file);
        assertEquals(0xa1b2c3d4, capture.magic);
        assertEquals(2, capture.versionMajor);
        assertEquals(4, capture.versionMinor);
        assertEquals(PcapWriter.SNAPLEN, capture.snaplen);
        assertEquals(1, capture.linkType);
        assertEquals(3, capture.records.size());
        assertEquals(3, pcap.framesRecorded());
        assertArrayEquals(CapturedFrames.ECHO_REQUEST, capture.records.get(0).data);
        assertArrayEquals(replyBytes, capture.records.get(1).data);
        assertArrayEquals(CapturedFrames.ARP_REQUEST, capture.records.get(2).data);
        long previous = 0;
        for (Record record : capture.records) {
            assertEquals(record.data.length, record.originalLength);
            long micros = record.seconds * 1_000_000 + record.fraction;
            assertTrue(record.fraction < 1_000_000);
            assertTrue(micros >= previous, "timestamps never go backwards");
            assertTrue(micros >= before.toEpochMilli() * 1000 - 1000 && micros <= after.toEpochMilli() * 1000 + 1000,
                    "timestamp within the test");
            previous = micros;
        }
    }

    @Test
    void truncatesToTheSnaplenWithNanosecondsForRawPackets() throws IOException {
        Path file = directory.resolve("tun.pcap");
        EmbeddedChannel channel = new EmbeddedChannel(
                new PcapWriter(file, PcapWriter.LinkType.RAW, PcapWriter.Precision.NANOSECONDS));
        int length = PcapWriter.SNAPLEN + 100;
        ByteBuf huge = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        for (int i = 0; i < length; i++) {
            huge.writeByte(i);
        }
        channel.writeInbound(pooled(new byte[] {0x45}), huge);
        assertTrue(channel.finishAndReleaseAll());

        Capture capture = Capture.read(file);
        assertEquals(0xa1b23c4d, capture.magic);
        assertEquals(101, capture.linkType);
        assertEquals(2, capture.records.size());
        Record truncated = capture.records.get(1);
        assertEquals(length, truncated.originalLength);
        assertEquals(PcapWriter.SNAPLEN, truncated.data.length);
        assertEquals((byte) (PcapWriter.SNAPLEN - 1), truncated.data[PcapWriter.SNAPLEN - 1]);
        assertTrue(truncated.fraction < 1_000_000_000);
    }

    private record Record(long seconds, long fraction, int originalLength, byte[] data) {
    }

    /** A reader of the libpcap format, independent of the writer: it takes the byte order from the magic. */
    private record Capture(int magic, int versionMajor, int versionMinor, int snaplen, int linkType,
                           List<Record> records) {
        static Capture read(Path file) throws IOException {
            ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
            int magic = in.order(ByteOrder.BIG_ENDIAN).getInt(0);
            if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
                in.order(ByteOrder.LITTLE_ENDIAN);
                magic = in.getInt(0);
            }
            in.position(4);
            int versionMajor = Short.toUnsignedInt(in.getShort());
            int versionMinor = Short.toUnsignedInt(in.getShort());
            assertEquals(0, in.getInt(), "thiszone");
            assertEquals(0, in.getInt(), "sigfigs");
            int snaplen = in.getInt();
            int linkType = in.getInt();
            List<Record> records = new ArrayList<>();
            while (in.hasRemaining()) {
                long seconds = Integer.toUnsignedLong(in.getInt());
                long fraction = Integer.toUnsignedLong(in.getInt());
                int capturedLength = in.getInt();
                int originalLength = in.getInt();
                byte[] data = Arrays.copyOfRange(in.array(), in.position(), in.position() + capturedLength);
                in.position(in.position() + capturedLength);
                records.add(new Record(seconds, fraction, originalLength, data));
            }
            return new Capture(magic, versionMajor, versionMinor, snaplen, linkType, records);
        }
    }
}
