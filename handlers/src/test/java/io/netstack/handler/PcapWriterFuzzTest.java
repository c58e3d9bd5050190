package io.netstack.handler;

import io.netstack.wire.LinkLayer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netstack.testing.PcapFile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Records arbitrary frames, inbound and outbound, of any length up to past the snap length, with {@link PcapWriter}:
 * the capture must stay readable by an independent reader ({@link PcapFile}) and hold every frame, truncated to the
 * snap length, in order. The corpus is in
 * {@code src/test/resources/io/netstack/handler/PcapWriterFuzzTestInputs}.
 *
 * <p>The fuzzer's bytes are read as: from the end, the precision, the snap length, the number of frames and each
 * one's length, direction and whether a read completes after it; the remaining bytes, repeated, are the frames'
 * content. The snap length is fuzzed too, up to a few kilobytes, and the capture goes to memory: so each input costs
 * microseconds, and a long run reaches millions of them. The default snap length of 256 KiB and a file as the output
 * are {@link PcapWriterTest}'s.
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class PcapWriterFuzzTest {
    private static final int MAX_FRAMES = 8;
    /** Past a jumbo frame of 9000 bytes, and past a buffer's worth of records with short snap lengths. */
    private static final int MAX_SNAP_LENGTH = 9_100;
    /**
     * Lengths near the snap length are interesting, and the fuzzer would rarely pick them; one frame in this many is
     * that long.
     */
    private static final int ONE_IN_NEAR_SNAP_LENGTH = 4;
    private static final int NEAR_SNAP_LENGTH = 16;

    private record Frame(byte[] bytes, boolean outbound, boolean readComplete) {
    }

    @FuzzTest
    void captureHoldsEveryFrame(FuzzedDataProvider data) throws IOException {
        boolean nanoseconds = data.consumeBoolean();
        int snapLength = data.consumeInt(1, MAX_SNAP_LENGTH);
        List<Frame> frames = new ArrayList<>();
        int[] lengths = new int[data.consumeInt(0, MAX_FRAMES)];
        boolean[] outbound = new boolean[lengths.length];
        boolean[] readComplete = new boolean[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = data.consumeInt(1, ONE_IN_NEAR_SNAP_LENGTH) == 1
                    ? data.consumeInt(Math.max(0, snapLength - NEAR_SNAP_LENGTH), snapLength + NEAR_SNAP_LENGTH)
                    : data.consumeInt(0, MAX_SNAP_LENGTH);
            outbound[i] = data.consumeBoolean();
            readComplete[i] = data.consumeBoolean();
        }
        byte[] content = data.consumeRemainingAsBytes();
        for (int i = 0; i < lengths.length; i++) {
            frames.add(new Frame(repeat(content, i, lengths[i]), outbound[i], readComplete[i]));
        }

        ByteArrayOutputStream capture = new ByteArrayOutputStream();
        PcapWriter pcap = new PcapWriter(Channels.newChannel(capture), LinkLayer.ETHERNET,
                nanoseconds ? PcapWriter.Precision.NANOSECONDS : PcapWriter.Precision.MICROSECONDS, snapLength);
        EmbeddedChannel channel = new EmbeddedChannel(pcap);
        for (Frame frame : frames) {
            ByteBuf buf = Unpooled.wrappedBuffer(frame.bytes());
            if (frame.outbound()) {
                channel.writeOutbound(buf);
                assertSame(buf, channel.readOutbound());
            } else {
                channel.writeInbound(buf);
                assertSame(buf, channel.readInbound());
            }
            buf.release();
            if (frame.readComplete()) {
                channel.pipeline().fireChannelReadComplete();
            }
        }
        assertFalse(channel.finish()); // removes the writer, which closes the output

        assertEquals(frames.size(), pcap.framesRecorded());
        PcapFile file = PcapFile.read("the capture", capture.toByteArray());
        assertEquals(snapLength, file.snapLength());
        List<PcapFile.Record> records = file.records();
        assertEquals(frames.size(), records.size());
        for (int i = 0; i < frames.size(); i++) {
            byte[] bytes = frames.get(i).bytes();
            assertEquals(bytes.length, records.get(i).originalLength());
            assertArrayEquals(Arrays.copyOf(bytes, Math.min(bytes.length, snapLength)), records.get(i).data());
        }
    }

    /** {@code length} bytes of {@code content} repeated from index {@code start}; zeros if there is no content. */
    private static byte[] repeat(byte[] content, int start, int length) {
        byte[] bytes = new byte[length];
        if (content.length == 0) {
            return bytes;
        }
        // By whole copies rather than byte by byte: this test's own loops are instrumented too, and slow to run.
        int from = start % content.length;
        for (int i = 0; i < length; ) {
            int chunk = Math.min(content.length - from, length - i);
            System.arraycopy(content, from, bytes, i, chunk);
            i += chunk;
            from = 0;
        }
        return bytes;
    }
}
