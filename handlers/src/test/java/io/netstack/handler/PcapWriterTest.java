package io.netstack.handler;

import io.netstack.wire.LinkLayer;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.testing.PcapFile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapWriterTest {
    @TempDir
    Path directory;

    @Test
    void recordsFramesInAndOut() throws IOException {
        Path file = directory.resolve("host.pcap");
        Instant before = Instant.now();
        PcapWriter pcap = new PcapWriter(file, LinkLayer.ETHERNET);
        DropCounters drops = new DropCounters();
        EmbeddedChannel channel = new EmbeddedChannel(pcap, new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
                new EthernetFramer(ArpResponderTest.HOST, ArpResponderTest.knowingTheKernel(), drops),
                new IcmpEchoResponder(ArpResponderTest.HOST), new UnhandledFrameCounter(drops));
        channel.writeInbound(pooled(CapturedFrames.ECHO_REQUEST));
        ByteBuf reply = channel.readOutbound();
        byte[] replyBytes = ByteBufUtil.getBytes(reply);
        reply.release();
        channel.writeInbound(pooled(CapturedFrames.ARP_REQUEST));
        assertFalse(channel.finishAndReleaseAll());
        Instant after = Instant.now();

        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[8], Arrays.copyOfRange(bytes, 8, 16), "thiszone and sigfigs are 0");
        PcapFile capture = PcapFile.read(file.toString(), bytes);
        assertEquals(0xa1b2c3d4, capture.magic());
        assertEquals(PcapWriter.SNAPLEN, capture.snapLength());
        assertEquals(1, capture.linkType());
        assertEquals(3, capture.records().size());
        assertEquals(3, pcap.framesRecorded());
        assertArrayEquals(CapturedFrames.ECHO_REQUEST, capture.records().get(0).data());
        assertArrayEquals(replyBytes, capture.records().get(1).data());
        assertArrayEquals(CapturedFrames.ARP_REQUEST, capture.records().get(2).data());
        long previous = 0;
        for (PcapFile.Record record : capture.records()) {
            assertEquals(record.data().length, record.originalLength());
            long micros = record.seconds() * 1_000_000 + record.fraction();
            assertTrue(record.fraction() < 1_000_000);
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
                new PcapWriter(file, LinkLayer.IP, PcapWriter.Precision.NANOSECONDS));
        int length = PcapWriter.SNAPLEN + 100;
        ByteBuf huge = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        for (int i = 0; i < length; i++) {
            huge.writeByte(i);
        }
        channel.writeInbound(pooled(new byte[] {0x45}), huge);
        assertTrue(channel.finishAndReleaseAll());

        PcapFile capture = PcapFile.read(file);
        assertEquals(0xa1b23c4d, capture.magic());
        assertEquals(101, capture.linkType());
        assertEquals(2, capture.records().size());
        PcapFile.Record truncated = capture.records().get(1);
        assertEquals(length, truncated.originalLength());
        assertEquals(PcapWriter.SNAPLEN, truncated.data().length);
        assertEquals((byte) (PcapWriter.SNAPLEN - 1), truncated.data()[PcapWriter.SNAPLEN - 1]);
        assertTrue(truncated.fraction() < 1_000_000_000);
    }

    @Test
    void recordsToAnyChannelWithTheSnapLengthAsked() throws IOException {
        ByteArrayOutputStream memory = new ByteArrayOutputStream();
        PcapWriter pcap = new PcapWriter(Channels.newChannel(memory), LinkLayer.ETHERNET,
                PcapWriter.Precision.MICROSECONDS, 64);
        EmbeddedChannel channel = new EmbeddedChannel(pcap);
        channel.writeInbound(pooled(CapturedFrames.ARP_REQUEST), pooled(CapturedFrames.ECHO_REQUEST));
        assertTrue(channel.finishAndReleaseAll());

        PcapFile capture = PcapFile.read("memory", memory.toByteArray());
        assertEquals(64, capture.snapLength());
        assertEquals(2, capture.records().size());
        assertArrayEquals(CapturedFrames.ARP_REQUEST, capture.records().get(0).data(), "42 bytes: whole");
        PcapFile.Record echo = capture.records().get(1);
        assertEquals(CapturedFrames.ECHO_REQUEST.length, echo.originalLength());
        assertArrayEquals(Arrays.copyOf(CapturedFrames.ECHO_REQUEST, 64), echo.data(), "98 bytes: cut at 64");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, PcapWriter.SNAPLEN + 1})
    void aSnapLengthOutOfRangeIsRefusedAndTheOutputClosed(int snapLength) {
        WritableByteChannel out = Channels.newChannel(new ByteArrayOutputStream());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PcapWriter(out,
                LinkLayer.ETHERNET, PcapWriter.Precision.MICROSECONDS, snapLength));
        assertEquals("snap length " + snapLength + " is outside 1.." + PcapWriter.SNAPLEN, e.getMessage());
        assertFalse(out.isOpen());
    }

    @Test
    void aWriterThatCannotWriteItsHeaderClosesItsOutput() {
        WritableByteChannel out = new WritableByteChannel() {
            private boolean open = true;

            @Override
            public int write(ByteBuffer src) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
        IOException e = assertThrows(IOException.class, () -> new PcapWriter(out, LinkLayer.ETHERNET,
                PcapWriter.Precision.MICROSECONDS, PcapWriter.SNAPLEN));
        assertEquals("disk full", e.getMessage());
        assertFalse(out.isOpen());
    }
}
