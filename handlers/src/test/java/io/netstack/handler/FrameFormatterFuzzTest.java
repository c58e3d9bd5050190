package io.netstack.handler;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netstack.wire.testing.FuzzInput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Formats arbitrary frames with {@link FrameFormatter}, directly and through a {@link FrameLogger} in both
 * directions: formatting never throws, describes the frame's real length, leaves the buffer alone, and does not
 * depend on the frames formatted before. {@link FuzzInput} tells how the fuzzer's bytes are read; the corpus is in
 * {@code src/test/resources/io/netstack/handler/FrameFormatterFuzzTestInputs}.
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class FrameFormatterFuzzTest {
    /** Reused across inputs, as a logger reuses it across frames. */
    private final FrameFormatter formatter = new FrameFormatter();

    @FuzzTest
    void formatsAnyFrame(FuzzedDataProvider data) {
        ByteBuf frame = frame(FuzzInput.read(data));
        try {
            int readerIndex = frame.readerIndex();
            String line = formatter.format(frame);
            assertEquals(new FrameFormatter().format(frame), line, "the same line from a new formatter");
            assertTrue(line.contains("length " + frame.readableBytes()), line);
            assertEquals(readerIndex, frame.readerIndex());
            assertEquals(frame.capacity(), frame.writerIndex());
        } finally {
            frame.release();
        }
    }

    @FuzzTest
    void loggerPassesEveryFrameOnInBothDirections(FuzzedDataProvider data) {
        ByteBuf frame = frame(FuzzInput.read(data));
        List<String> lines = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameLogger(lines::add));
        channel.writeInbound(frame.retain());
        assertSame(frame, channel.readInbound());
        channel.writeOutbound(frame.retain());
        assertSame(frame, channel.readOutbound());
        assertFalse(channel.finish());
        String line = formatter.format(frame);
        assertEquals(List.of("in  " + line, "out " + line), lines);
        frame.release(2);
        assertEquals(1, frame.refCnt(), "the logger neither retains nor releases");
        frame.release();
    }

    /** The bytes, checksums fixed if asked, readable after the prefix in a buffer that ends where they end. */
    private static ByteBuf frame(FuzzInput input) {
        byte[] bytes = input.bytes();
        if (input.fixChecksums()) {
            FuzzInput.fixFrameChecksums(bytes);
        }
        byte[] prefixed = new byte[input.prefix() + bytes.length];
        System.arraycopy(bytes, 0, prefixed, input.prefix(), bytes.length);
        return Unpooled.wrappedBuffer(prefixed).readerIndex(input.prefix());
    }
}
