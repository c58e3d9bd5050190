package io.netstack.handler.fault;

import io.netstack.handler.Allocations;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The injector on an {@link EmbeddedChannel}, in each direction: what comes out of it, in which order, with which
 * bytes, against its counters. Time is the channel's frozen clock, advanced by the tests.
 */
class FaultInjectorTest {
    private static final long SEED = 0x5eed_f00dL;
    private static final int FRAME_LENGTH = 64;

    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        if (channel != null) {
            assertFalse(channel.finishAndReleaseAll(), "nothing left over");
        }
    }

    /** The direction under test: how its frames go in and come out, and where its settings and counts are. */
    enum Side {
        INBOUND, OUTBOUND;

        FaultInjector injector(long seed, FaultSettings settings) {
            FaultInjector.Builder builder = FaultInjector.builder().seed(seed);
            return (this == INBOUND ? builder.inbound(settings) : builder.outbound(settings)).build();
        }

        /** Sends a frame through the injector; an inbound frame's future is the channel's succeeded one. */
        ChannelFuture send(EmbeddedChannel channel, Object frame) {
            if (this == INBOUND) {
                channel.writeInbound(frame);
                return channel.newSucceededFuture();
            }
            return channel.writeAndFlush(frame);
        }

        <T> T receive(EmbeddedChannel channel) {
            return this == INBOUND ? channel.readInbound() : channel.readOutbound();
        }

        FaultCounters counters(FaultInjector injector) {
            return this == INBOUND ? injector.inbound() : injector.outbound();
        }
    }

    private static ByteBuf frame(int id) {
        return Unpooled.buffer(FRAME_LENGTH).writeInt(id).writeZero(FRAME_LENGTH - Integer.BYTES);
    }

    /** Reads a frame that came out, its id or its bytes, and releases it. */
    private static <R> R consume(ByteBuf frame, Function<ByteBuf, R> reader) {
        try {
            return reader.apply(frame);
        } finally {
            frame.release();
        }
    }

    private static int id(ByteBuf frame) {
        return frame.getInt(frame.readerIndex());
    }

    /** The ids of the frames that come out of {@code side}, in order, consuming them. */
    private List<Integer> drain(Side side) {
        List<Integer> ids = new ArrayList<>();
        for (ByteBuf out; (out = side.receive(channel)) != null; ) {
            ids.add(consume(out, FaultInjectorTest::id));
        }
        return ids;
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void dropsAtFivePercentWithinBinomialBoundsCountingEveryDrop(Side side) {
        int frames = 100_000;
        double rate = 0.05;
        FaultInjector injector = side.injector(SEED, FaultSettings.builder().dropRate(rate).build());
        channel = new EmbeddedChannel(injector);

        long delivered = 0;
        int lastId = -1;
        for (int id = 0; id < frames; id++) {
            assertTrue(side.send(channel, frame(id)).isSuccess(), "a dropped write succeeds too");
            for (int out : drain(side)) {
                assertTrue(out > lastId, "in order");
                lastId = out;
                delivered++;
            }
        }

        long missing = frames - delivered;
        double mean = frames * rate;
        double sigma = Math.sqrt(frames * rate * (1 - rate));
        assertTrue(Math.abs(missing - mean) <= 5 * sigma,
                missing + " dropped, expected " + mean + " +- 5 * " + sigma + ": " + injector);
        FaultCounters counters = side.counters(injector);
        assertEquals(missing, counters.dropped(), injector::toString);
        assertEquals(missing, counters.lost(), injector::toString);
        assertEquals(frames, counters.framesSeen(), injector::toString);
        assertEquals(0, side == Side.INBOUND ? injector.outbound().framesSeen() : injector.inbound().framesSeen());
    }

    private static FaultSettings everyRandomFault() {
        return FaultSettings.builder().dropRate(0.1).duplicateRate(0.1).corruptRate(0.1)
                .reorder(0.1, 2, Duration.ofSeconds(1)).build();
    }

    /** The frames, as hex, that come out of {@code side} for 10,000 frames in, the held one flushed by its timer. */
    private List<String> run(long seed, Side side) {
        channel = new EmbeddedChannel(side.injector(seed, everyRandomFault()));
        channel.freezeTime();
        List<String> out = new ArrayList<>();
        for (int id = 0; id < 10_000; id++) {
            side.send(channel, frame(id));
            collectHex(side, out);
        }
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        collectHex(side, out);
        assertFalse(channel.finishAndReleaseAll());
        channel = null;
        return out;
    }

    private void collectHex(Side side, List<String> out) {
        for (ByteBuf frame; (frame = side.receive(channel)) != null; ) {
            out.add(consume(frame, ByteBufUtil::hexDump));
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void theSameSeedGivesTheSameFramesAndAnotherSeedOthers(Side side) {
        List<String> first = run(SEED, side);
        assertEquals(first, run(SEED, side));
        assertNotEquals(first, run(SEED + 1, side));
    }

    @Test
    void inboundDecisionsDoNotDependOnOutboundTraffic() {
        List<String> alone = run(SEED, Side.INBOUND);

        FaultInjector injector = FaultInjector.builder().seed(SEED)
                .inbound(everyRandomFault()).outbound(everyRandomFault()).build();
        channel = new EmbeddedChannel(injector);
        channel.freezeTime();
        List<String> interleaved = new ArrayList<>();
        for (int id = 0; id < 10_000; id++) {
            for (int i = 0; i < id % 3; i++) {
                Side.OUTBOUND.send(channel, frame(-id));
            }
            Side.INBOUND.send(channel, frame(id));
            collectHex(Side.INBOUND, interleaved);
        }
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        collectHex(Side.INBOUND, interleaved);
        channel.releaseOutbound();

        assertTrue(injector.outbound().dropped() > 0, injector::toString);
        assertEquals(alone, interleaved);
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void corruptionFlipsBitsOfExactlyOneByteOfACopy(Side side) {
        FaultInjector injector = side.injector(SEED, FaultSettings.builder().corruptRate(1).build());
        channel = new EmbeddedChannel(injector);
        Random random = new Random(SEED);
        int[] hits = new int[FRAME_LENGTH];
        for (int i = 0; i < 1000; i++) {
            byte[] bytes = new byte[FRAME_LENGTH];
            random.nextBytes(bytes);
            ByteBuf frame = Unpooled.buffer(FRAME_LENGTH).writeBytes(bytes);
            side.send(channel, frame.retain());
            byte[] out = consume(side.receive(channel), ByteBufUtil::getBytes);
            assertArrayEquals(bytes, consume(frame, ByteBufUtil::getBytes), "the frame sent is left as it was");
            hits[onlyDifference(bytes, out)]++;
        }
        assertEquals(1000, side.counters(injector).corrupted());
        for (int index = 0; index < FRAME_LENGTH; index++) {
            assertTrue(hits[index] > 0, "byte " + index + " is corrupted sometimes");
        }
    }

    /** {@return the index of the one byte in which {@code corrupted} differs from {@code original}} */
    private static int onlyDifference(byte[] original, byte[] corrupted) {
        assertEquals(original.length, corrupted.length);
        int index = -1;
        for (int i = 0; i < original.length; i++) {
            if (original[i] != corrupted[i]) {
                assertEquals(-1, index, "a second byte differs");
                index = i;
            }
        }
        assertNotEquals(-1, index, "one byte differs");
        return index;
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aDuplicateIsCorruptedOnItsOwn(Side side) {
        FaultInjector injector = side.injector(SEED,
                FaultSettings.builder().duplicateRate(1).corruptRate(1).build());
        channel = new EmbeddedChannel(injector);
        ByteBuf frame = frame(7);
        byte[] bytes = ByteBufUtil.getBytes(frame);
        side.send(channel, frame.retain());

        byte[] first = consume(side.receive(channel), ByteBufUtil::getBytes);
        byte[] second = consume(side.receive(channel), ByteBufUtil::getBytes);
        assertNull(side.receive(channel));
        assertArrayEquals(bytes, consume(frame, ByteBufUtil::getBytes), "the frame sent is left as it was");
        onlyDifference(bytes, first);
        onlyDifference(bytes, second);
        assertEquals(1, side.counters(injector).duplicated());
        assertEquals(2, side.counters(injector).corrupted());
    }

    @Test
    void aCorruptedVirtioFrameKeepsItsHeader() {
        FaultInjector injector = Side.INBOUND.injector(SEED, FaultSettings.builder().corruptRate(1).build());
        channel = new EmbeddedChannel(injector);
        ByteBuf content = frame(3);
        byte[] bytes = ByteBufUtil.getBytes(content);
        channel.writeInbound(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, VirtioNetFrame.GSO_TCPV4,
                54, 1448, 34, 16, content));

        VirtioNetFrame out = assertInstanceOf(VirtioNetFrame.class, channel.readInbound());
        try {
            assertEquals(VirtioNetFrame.F_NEEDS_CSUM, out.flags());
            assertEquals(VirtioNetFrame.GSO_TCPV4, out.gsoType());
            assertEquals(54, out.hdrLen());
            assertEquals(1448, out.gsoSize());
            assertEquals(34, out.csumStart());
            assertEquals(16, out.csumOffset());
            onlyDifference(bytes, ByteBufUtil.getBytes(out.content()));
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aHeldFrameIsOvertakenByTheNextDistanceFrames(Side side) {
        FaultInjector injector = side.injector(SEED,
                FaultSettings.builder().reorder(1, 2, Duration.ofSeconds(1)).build());
        channel = new EmbeddedChannel(injector);
        for (int id = 0; id < 9; id++) {
            side.send(channel, frame(id));
        }
        assertEquals(List.of(1, 2, 0, 4, 5, 3, 7, 8, 6), drain(side));
        assertEquals(3, side.counters(injector).reordered());
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aHeldFrameComesOutAtItsTimeoutWhenNoFramesFollow(Side side) {
        FaultInjector injector = side.injector(SEED,
                FaultSettings.builder().reorder(1, 5, Duration.ofMillis(10)).build());
        channel = new EmbeddedChannel(injector);
        channel.freezeTime();
        side.send(channel, frame(0));
        channel.advanceTimeBy(9, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(List.of(), drain(side));
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(List.of(0), drain(side));
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void delayedFramesLeaveInOrderAfterTheDelayPlusAtMostTheJitter(Side side) {
        FaultInjector injector = side.injector(SEED,
                FaultSettings.builder().delay(Duration.ofMillis(10), Duration.ofMillis(5)).build());
        channel = new EmbeddedChannel(injector);
        channel.freezeTime();
        int frames = 200;
        List<Integer> order = new ArrayList<>();
        List<Integer> delays = new ArrayList<>();
        for (int millis = 0; millis < frames + 20; millis++) {
            if (millis < frames) {
                side.send(channel, frame(millis));
            }
            channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            for (int id : drain(side)) {
                order.add(id);
                delays.add(millis + 1 - id);
            }
        }
        assertEquals(frames, order.size());
        for (int i = 0; i < frames; i++) {
            assertEquals(i, order.get(i), "in order");
            int delay = delays.get(i);
            assertTrue(delay >= 10 && delay <= 15, "frame " + i + " delayed by " + delay + " ms");
        }
        assertTrue(delays.stream().distinct().count() > 1, "the jitter varies the delay: " + delays);
        assertEquals(frames, side.counters(injector).delayed());
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aFullDelayLineDropsAndHeldFramesAreReleasedAtClose(Side side) {
        FaultInjector injector = side.injector(SEED, FaultSettings.builder()
                .delay(Duration.ofSeconds(1), Duration.ZERO).queueLimit(3)
                .reorder(1, 10, Duration.ofSeconds(1)).build());
        channel = new EmbeddedChannel(injector);
        List<ByteBuf> sent = new ArrayList<>();
        List<ChannelFuture> writes = new ArrayList<>();
        for (int id = 0; id < 6; id++) {
            ByteBuf frame = frame(id);
            sent.add(frame);
            writes.add(side.send(channel, frame));
        }
        FaultCounters counters = side.counters(injector);
        assertEquals(1, counters.reordered(), "frame 0 is held");
        assertEquals(3, counters.delayed(), "frames 1 to 3 are delayed");
        assertEquals(2, counters.queueOverflows(), "frames 4 and 5 find the line full");
        assertTrue(writes.get(4).isSuccess() && writes.get(5).isSuccess(), "lost writes succeed");
        assertEquals(0, sent.get(4).refCnt() + sent.get(5).refCnt());

        channel.close().syncUninterruptibly();

        assertEquals(4, counters.discarded(), counters::toString);
        assertEquals(6, counters.lost(), counters::toString);
        for (int id = 0; id < 4; id++) {
            assertEquals(0, sent.get(id).refCnt(), "frame " + id + " released");
            if (side == Side.OUTBOUND) {
                assertInstanceOf(ClosedChannelException.class, writes.get(id).cause(), "frame " + id);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void removingTheInjectorReleasesWhatItHolds(Side side) {
        FaultInjector injector = side.injector(SEED, FaultSettings.builder()
                .delay(Duration.ofSeconds(1), Duration.ZERO).reorder(1, 10, Duration.ofSeconds(1)).build());
        channel = new EmbeddedChannel(injector);
        ByteBuf held = frame(0);
        ByteBuf delayed = frame(1);
        side.send(channel, held);
        side.send(channel, delayed);
        channel.pipeline().remove(injector);
        assertEquals(0, held.refCnt() + delayed.refCnt());
        assertEquals(2, side.counters(injector).discarded());
    }

    @Test
    void aTokenBucketLimitsTheBandwidth() {
        // 8 Gbit/s is a byte per nanosecond: a 1000-byte frame per microsecond, three at once after a pause.
        FaultInjector injector = Side.OUTBOUND.injector(SEED,
                FaultSettings.builder().bandwidth(8_000_000_000L, 3000).build());
        channel = new EmbeddedChannel(injector);
        channel.freezeTime();
        assertEquals(3, sendKilobyteFrames(5));
        channel.advanceTimeBy(1, TimeUnit.MICROSECONDS);
        assertEquals(1, sendKilobyteFrames(2));
        channel.advanceTimeBy(100, TimeUnit.MICROSECONDS);
        assertEquals(3, sendKilobyteFrames(5));
        assertEquals(5, injector.outbound().overBandwidth());
        assertEquals(12, injector.outbound().framesSeen());
    }

    /** {@return how many of {@code count} frames of 1000 bytes, written at once, passed} */
    private int sendKilobyteFrames(int count) {
        for (int i = 0; i < count; i++) {
            channel.writeAndFlush(Unpooled.buffer(1000).writeZero(1000));
        }
        int passed = 0;
        for (ByteBuf out; (out = channel.readOutbound()) != null; out.release()) {
            passed++;
        }
        return passed;
    }

    @Test
    void messagesOtherThanFramesPassUntouched() {
        FaultInjector injector = FaultInjector.builder().seed(SEED)
                .inbound(FaultSettings.builder().dropRate(1).build()).build();
        channel = new EmbeddedChannel(injector);
        channel.writeInbound("not a frame");
        assertEquals("not a frame", channel.readInbound());
        assertEquals(0, injector.inbound().framesSeen());
    }

    @Test
    void toStringShowsTheSeedTheSettingsAndTheCounts() {
        FaultInjector injector = FaultInjector.builder().seed(42)
                .inbound(FaultSettings.builder().dropRate(0.05).build()).build();
        assertEquals("FaultInjector(seed 42; inbound drop 5%: seen 0, dropped 0, duplicated 0, corrupted 0, "
                + "reordered 0, delayed 0, over bandwidth 0, queue overflows 0, discarded 0; outbound none: seen 0, "
                + "dropped 0, duplicated 0, corrupted 0, reordered 0, delayed 0, over bandwidth 0, queue overflows 0, "
                + "discarded 0)", injector.toString());
    }

    /** With every fault but the delay set, and none firing, a frame passes without allocation. */
    @Test
    void aFrameNoFaultHitsPassesWithoutAllocation() {
        double never = 1e-15;
        FaultInjector injector = Side.INBOUND.injector(SEED, FaultSettings.builder().dropRate(never)
                .duplicateRate(never).corruptRate(never).reorder(never, 1, Duration.ofSeconds(1))
                .bandwidth(Long.MAX_VALUE / 16, Integer.MAX_VALUE).build());
        FrameSink sink = new FrameSink();
        channel = new EmbeddedChannel(injector, sink);
        ByteBuf[] frames = new ByteBuf[64];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = Allocations.untracked(new byte[FRAME_LENGTH + i]);
        }
        try {
            long allocated = Allocations.ofSecondRun(() -> {
                for (int round = 0; round < 2000; round++) {
                    for (ByteBuf frame : frames) {
                        channel.pipeline().fireChannelRead(frame);
                    }
                }
                return sink.bytes;
            });
            assertTrue(allocated < 1024, allocated + " bytes allocated for 128,000 frames");
            assertEquals(0, injector.inbound().lost() + injector.inbound().corrupted());
        } finally {
            for (ByteBuf frame : frames) {
                frame.release();
            }
        }
    }

    /** Takes the frames that pass, leaving them to the test to release. */
    private static final class FrameSink extends ChannelInboundHandlerAdapter {
        long bytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            bytes += ((ByteBuf) msg).readableBytes();
        }
    }
}
