package io.netstack.protocol.handler;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netstack.tap.testing.PcapFile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Records arbitrary frames, inbound and outbound, of any length up to past the snap length, with {@link PcapWriter}:
 * the file must stay readable by an independent reader ({@link PcapFile}) and hold every frame, truncated to the
 * snap length, in order. The corpus is in
 * {@code src/test/resources/io/netstack/protocol/handler/PcapWriterFuzzTestInputs}.
 *
 * <p>The fuzzer's bytes are read as: from the end, the number of frames and each one's length, direction and whether
 * a read completes after it; the remaining bytes, repeated, are the frames' content.
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class PcapWriterFuzzTest {
    private static final int MAX_FRAMES = 8;
    /**
     * Lengths near the snap length are interesting, and the fuzzer would rarely pick them; one frame in this many is
     * that long (more would spend the run writing and reading back megabytes).
     */
    private static final int ONE_IN_NEAR_SNAPLEN = 8;
    private static final int NEAR_SNAPLEN = 16;
    private static final int MAX_SHORT_LENGTH = 9_100;

    @TempDir
    static Path directory;

    private record Frame(byte[] bytes, boolean outbound, boolean readComplete) {
    }

    @FuzzTest
    void fileHoldsEveryFrame(FuzzedDataProvider data) throws IOException {
        boolean nanoseconds = data.consumeBoolean();
        List<Frame> frames = new ArrayList<>();
        int[] lengths = new int[data.consumeInt(0, MAX_FRAMES)];
        boolean[] outbound = new boolean[lengths.length];
        boolean[] readComplete = new boolean[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = data.consumeInt(1, ONE_IN_NEAR_SNAPLEN) == 1
                    ? data.consumeInt(PcapWriter.SNAPLEN - NEAR_SNAPLEN, PcapWriter.SNAPLEN + NEAR_SNAPLEN)
                    : data.consumeInt(0, MAX_SHORT_LENGTH);
            outbound[i] = data.consumeBoolean();
            readComplete[i] = data.consumeBoolean();
        }
        byte[] content = data.consumeRemainingAsBytes();
        for (int i = 0; i < lengths.length; i++) {
            frames.add(new Frame(repeat(content, i, lengths[i]), outbound[i], readComplete[i]));
        }

        Path file = directory.resolve("fuzz.pcap");
        PcapWriter pcap = new PcapWriter(file, PcapWriter.LinkType.ETHERNET,
                nanoseconds ? PcapWriter.Precision.NANOSECONDS : PcapWriter.Precision.MICROSECONDS);
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
        assertFalse(channel.finish()); // removes the writer, which closes the file

        assertEquals(frames.size(), pcap.framesRecorded());
        List<PcapFile.Record> records = PcapFile.read(file).records();
        assertEquals(frames.size(), records.size());
        for (int i = 0; i < frames.size(); i++) {
            byte[] bytes = frames.get(i).bytes();
            assertEquals(bytes.length, records.get(i).originalLength());
            assertArrayEquals(Arrays.copyOf(bytes, Math.min(bytes.length, PcapWriter.SNAPLEN)),
                    records.get(i).data());
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
