package io.netstack.tap;

import io.netstack.tap.testing.EventLoops;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.OpenFiles;
import io.netstack.tap.testing.SequenceChecker;
import io.netstack.tap.testing.SequencedWriter;
import io.netstack.tap.testing.TapPair;
import io.netstack.tap.testing.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Millions of frames through two TAP devices joined by tc ({@link TapPair}), with every buffer tracked by the leak
 * detector (PARANOID): nothing leaks, and heap, direct memory and open fds stay flat once warmed up. The frame count
 * is {@value #DEFAULT_FRAMES} by default (about 15 s on a 2-core machine); {@code -Dnetstack.soakFrames=10000000}
 * runs the long soak (2 to 4 minutes there).
 */
@KernelTest
class SoakTest {
    private static final long DEFAULT_FRAMES = 1_000_000;
    private static final long FRAMES = Long.getLong("netstack.soakFrames", DEFAULT_FRAMES);
    private static final int FRAME_LENGTH = 128;
    private static final int SAMPLES = 10;
    /** Samples before this one are the warm-up: pools and caches fill, the JIT compiles. */
    private static final int FIRST_STEADY_SAMPLE = 2;
    /**
     * How far heap after GC and the allocator's direct memory may move once steady. Steady, they move by a few hundred
     * KiB at most; a buffer leaked in every 100 frames of a million moves both by more.
     */
    private static final long MAX_HEAP_DRIFT = 16 << 20;
    private static final long MAX_DIRECT_DRIFT = 4 << 20;

    @RegisterExtension
    final EventLoops loops = new EventLoops();
    private EventLoopGroup group;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void framesThroughTwoDevicesLeaveMemoryAndFdsFlat(Transport transport) throws Exception {
        group = loops.open(transport, 2);
        SequenceChecker reader = new SequenceChecker();
        try (TapPair pair = TapPair.open(group, "nssoak", reader)) {
            // A functional bound: at least 2,000 frames a second, far below what even PARANOID tracking allows.
            long limitSeconds = 60 + FRAMES / 2000;
            long start = System.nanoTime();
            SequencedWriter writer = SequencedWriter.start(pair.writer(), FRAMES, FRAME_LENGTH, limitSeconds,
                    TimeUnit.SECONDS);
            List<Sample> samples = new ArrayList<>();
            for (int i = 1; i <= SAMPLES; i++) {
                long due = FRAMES * i / SAMPLES;
                while (writer.completed() < due && !writer.stopped()) {
                    Thread.sleep(10);
                }
                samples.add(Sample.take(pair.writer().alloc(), writer.completed()));
            }
            writer.awaitDone();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reader.received() + pair.kernelDrops() < FRAMES && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
            long drops = pair.kernelDrops();
            System.out.printf("%s soak: %d frames of %d bytes in %d s (%d/s), %d read, %d dropped by the kernel%n",
                    transport, FRAMES, FRAME_LENGTH, seconds, FRAMES / seconds, reader.received(), drops);
            samples.forEach(sample -> System.out.println("  " + sample));

            assertEquals(FRAMES, writer.succeeded(), "every write succeeds; the first failure: "
                    + writer.firstFailure());
            assertEquals(FRAMES, reader.received() + drops, "frames read + dropped by the kernel = frames written");
            assertEquals(0, reader.outOfOrder());
            List<Sample> steady = samples.subList(FIRST_STEADY_SAMPLE, SAMPLES);
            assertFlat(steady, Sample::heapAfterGc, MAX_HEAP_DRIFT, "heap after GC");
            assertFlat(steady, Sample::allocatorDirect, MAX_DIRECT_DRIFT, "the allocator's direct memory");
            assertFlat(steady, Sample::fds, 0, "open fds");
        }
    }

    private static void assertFlat(List<Sample> samples, ToLongFunction<Sample> value, long maxDrift, String what) {
        long min = samples.stream().mapToLong(value).min().orElseThrow();
        long max = samples.stream().mapToLong(value).max().orElseThrow();
        assertTrue(max - min <= maxDrift, what + " moved by " + (max - min) + " (at most " + maxDrift
                + " allowed) once warmed up: " + samples);
    }

    /** Memory and fds at one point of the soak; the heap is measured after a full GC. */
    private record Sample(long frames, long heapAfterGc, long allocatorDirect, long nettyDirect, long fds) {
        static Sample take(ByteBufAllocator allocator, long frames) {
            System.gc();
            Runtime runtime = Runtime.getRuntime();
            long heap = runtime.totalMemory() - runtime.freeMemory();
            long direct = ((ByteBufAllocatorMetricProvider) allocator).metric().usedDirectMemory();
            return new Sample(frames, heap, direct, io.netty.util.internal.PlatformDependent.usedDirectMemory(),
                    OpenFiles.count());
        }

        @Override
        public String toString() {
            return String.format("after %,d frames: heap %,d KiB, allocator direct %,d KiB, Netty direct %,d KiB,"
                    + " %d fds", frames, heapAfterGc >> 10, allocatorDirect >> 10, nettyDirect >> 10, fds);
        }
    }
}
