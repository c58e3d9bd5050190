package io.netstack.handler;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
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
 * directions, and arbitrary packets of a TUN device: formatting never throws, describes an Ethernet frame's real
 * length, leaves the buffer alone, and does not depend on the frames formatted before. {@link FuzzInput} tells how
 * the fuzzer's bytes are read; the corpus is in
 * {@code src/test/resources/io/netstack/handler/FrameFormatterFuzzTestInputs}.
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class FrameFormatterFuzzTest {
    /** Reused across inputs, as a logger reuses it across frames. */
    private final FrameFormatter formatter = new FrameFormatter();
    private final FrameFormatter tunFormatter = new FrameFormatter(LinkLayer.IP);

    @FuzzTest
    void formatsAnyFrame(FuzzedDataProvider data) {
        ByteBuf frame = frame(FuzzInput.read(data));
        try {
            String line = assertFormats(formatter, LinkLayer.ETHERNET, frame);
            assertTrue(line.contains("length " + frame.readableBytes()), line);
        } finally {
            frame.release();
        }
    }

    @FuzzTest
    void formatsAnyTunPacket(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        byte[] bytes = input.bytes();
        if (input.fixChecksums() && bytes.length > 0) {
            switch (bytes[0] >>> 4 & 0x0f) {
                case Ipv4Packet.VERSION -> FuzzInput.fixIpv4Checksums(bytes, 0);
                case Ipv6Packet.VERSION -> FuzzInput.fixIpv6Checksums(bytes, 0);
                default -> { }
            }
        }
        ByteBuf packet = prefixed(bytes, input.prefix());
        try {
            assertFormats(tunFormatter, LinkLayer.IP, packet);
        } finally {
            packet.release();
        }
    }

    /** Formats {@code frame} with the reused formatter and a new one, which agree and leave the buffer alone. */
    private static String assertFormats(FrameFormatter reused, LinkLayer linkLayer, ByteBuf frame) {
        int readerIndex = frame.readerIndex();
        String line = reused.format(frame);
        assertEquals(new FrameFormatter(linkLayer).format(frame), line, "the same line from a new formatter");
        assertEquals(readerIndex, frame.readerIndex());
        assertEquals(frame.capacity(), frame.writerIndex());
        return line;
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
        return prefixed(bytes, input.prefix());
    }

    /** The bytes, readable after {@code prefix} bytes in a buffer that ends where they end. */
    private static ByteBuf prefixed(byte[] bytes, int prefix) {
        byte[] prefixed = new byte[prefix + bytes.length];
        System.arraycopy(bytes, 0, prefixed, prefix, bytes.length);
        return Unpooled.wrappedBuffer(prefixed).readerIndex(prefix);
    }
}
