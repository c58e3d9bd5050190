package io.netstack.benchmarks;

import io.netstack.tap.TapChannel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Frames per second through the benchmark topology: a TapChannel writes one prepared frame as fast as the channel
 * takes it into tapa (tuna), the kernel redirects every frame to tapb (tunb), where a second TapChannel reads them.
 * Writer and reader each have a single-thread event loop of the {@link #transport} under test, as the C references
 * have a thread each.
 *
 * <p>The event loops do the work; the benchmark method only samples the counters every {@value #TICK_MILLIS} ms,
 * so its own score (ticks/s) means nothing. The figures are the {@link Counters} (per second of the iteration,
 * like the primary score): {@code received} frames/s, {@code written}, {@code lost} (the kernel's drop counters),
 * the process's user and system CPU nanoseconds per second, and the bytes the reader's and the writer's loop threads
 * allocated per second. Divided by {@code received} they give CPU and bytes per frame; each measurement iteration
 * also prints those as one {@code RESULT} line in the format of benchmarks/native (benchmarks/run.sh collects them).
 *
 * <p>Runs in a network namespace of its own only: see {@link Topology}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Leak detection off, as in Netty's own microbenchmarks: at its default level it records a stack trace for one
// buffer in 128, which would be most of what a read loop allocates.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.machineId=02:00:00:00:00:01",
        "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Threads(1)
public class TapThroughputBenchmark {
    static final int TICK_MILLIS = 100;
    /** Upper bounds of a writer: no trial runs longer, no frame rate comes near 10 million/s. */
    private static final long MAX_SECONDS = 900;
    private static final long MAX_FRAMES = MAX_SECONDS * 10_000_000L;
    /** Frames the outbound buffer holds before the channel turns unwritable (io_uring submits up to 64 at once). */
    private static final int QUEUED_FRAMES_HIGH = 256;

    @Param({"epoll", "io_uring"})
    public String transport;

    @Param({"tap"})
    public String mode;

    @Param({"64", "1500", "9000"})
    public int size;

    private Topology topology;
    private EventLoopGroup writerGroup;
    private EventLoopGroup readerGroup;
    private Channel writer;
    private Channel reader;
    private ByteBuf frame;
    private SaturatingWriter writerHandler;
    private CountingHandler counter;
    private long readerThreadId;
    private long writerThreadId;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        topology = Topology.up(mode, size);
        writerGroup = BenchChannels.newLoop(transport);
        readerGroup = BenchChannels.newLoop(transport);
        counter = new CountingHandler(size);
        reader = bind(readerGroup, topology.output(), counter);
        frame = BenchFrames.alignedFrame(mode, size);
        writerHandler = new SaturatingWriter(frame, MAX_FRAMES, System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_SECONDS));
        writer = bind(writerGroup, topology.input(), writerHandler);
        readerThreadId = readerGroup.submit(() -> Thread.currentThread().threadId()).get();
        writerThreadId = writerGroup.submit(() -> Thread.currentThread().threadId()).get();
    }

    private Channel bind(EventLoopGroup group, String device, ChannelHandler handler) throws InterruptedException {
        int queued = QUEUED_FRAMES_HIGH * (size + 96); // 96: the outbound buffer's estimate of an entry's overhead
        return BenchChannels.attach(group, mode, device, handler, new WriteBufferWaterMark(queued / 2, queued));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            writerHandler.stop();
            if (writer != null) {
                writer.close().sync();
            }
            if (reader != null) {
                reader.close().sync();
            }
        } finally {
            BenchChannels.shutdown(writerGroup, readerGroup);
            if (frame != null) {
                frame.release();
            }
            topology.close();
        }
    }

    /** Samples the counters; the loops move the frames. */
    @Benchmark
    public void frames(Counters counters) throws InterruptedException {
        Thread.sleep(TICK_MILLIS);
        counters.sample(this);
    }

    /** Everything the loops and the kernel counted since the iteration began. */
    private Reading read() {
        TapChannel w = (TapChannel) writer;
        return new Reading(ProcCounters.snapshot(topology.input(), topology.output()),
                counter.received(), counter.other(), w.metrics().framesWritten(),
                allocatedBytes(readerThreadId), allocatedBytes(writerThreadId));
    }

    private static long allocatedBytes(long threadId) {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(threadId);
    }

    private record Reading(ProcCounters.Snapshot proc, long received, long other, long written,
                           long readerAllocated, long writerAllocated) {
    }

    /**
     * The figures of an iteration, as totals since its start; JMH divides them by the iteration's time, so the
     * report shows rates.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long received;
        public long written;
        public long lost;
        public long other;
        public long cpuUserNs;
        public long cpuSysNs;
        public long readerAllocBytes;
        public long writerAllocBytes;
        private Reading start;
        private Reading last;

        @Setup(Level.Iteration)
        public void begin(TapThroughputBenchmark bench) {
            received = written = lost = other = cpuUserNs = cpuSysNs = readerAllocBytes = writerAllocBytes = 0;
            start = bench.read();
            last = start;
        }

        void sample(TapThroughputBenchmark bench) {
            last = bench.read();
            received = last.received - start.received;
            written = last.written - start.written;
            other = last.other - start.other;
            lost = last.proc.drops() - start.proc.drops();
            cpuUserNs = last.proc.userNanos() - start.proc.userNanos();
            cpuSysNs = last.proc.systemNanos() - start.proc.systemNanos();
            readerAllocBytes = last.readerAllocated - start.readerAllocated;
            writerAllocBytes = last.writerAllocated - start.writerAllocated;
        }

        /** One RESULT line per measured iteration, in the format of the C references. */
        @TearDown(Level.Iteration)
        public void report(TapThroughputBenchmark bench, IterationParams iteration) {
            if (iteration.getType() != IterationType.MEASUREMENT || last == start) {
                return;
            }
            double seconds = (last.proc.nanoTime() - start.proc.nanoTime()) / 1e9;
            long frames = Math.max(1, received);
            System.out.println(String.format(Locale.ROOT,
                    "RESULT impl=netstack-%s mode=%s size=%d seconds=%.2f written=%d received=%d fps=%.0f gbps=%.2f"
                            + " loss=%d kernel_drops=%d user_ns_per_frame=%.0f sys_ns_per_frame=%.0f other=%d"
                            + " read_alloc_bytes_per_frame=%.3f write_alloc_bytes_per_frame=%.3f other_cpus=%.2f",
                    bench.transport, bench.mode, bench.size, seconds, written, received, received / seconds,
                    received * bench.size * 8 / seconds / 1e9, written - received, lost,
                    cpuUserNs / (double) frames, cpuSysNs / (double) frames, other,
                    readerAllocBytes / (double) frames, writerAllocBytes / (double) Math.max(1, written),
                    last.proc.otherCpusSince(start.proc)));
        }
    }
}
