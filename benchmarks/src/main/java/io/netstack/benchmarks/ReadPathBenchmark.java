package io.netstack.benchmarks;

import io.netstack.wire.LinkLayer;
import io.netstack.tap.linux.TunTapDevice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.FileDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The channel's read path alone, for {@code -prof gc}: the benchmark thread writes a burst of frames into tapa with
 * plain {@code write(2)}s on an fd of its own (which allocate nothing), the kernel redirects them to tapb, and a
 * TapChannel on tapb reads them on its event loop, each into a buffer from the channel's allocator, and hands them to
 * {@link CountingHandler}, which releases them; the invocation ends when the count has moved by the burst. An
 * operation is one frame, so {@code gc.alloc.rate.norm}, the bytes the whole JVM allocated per operation, is what the
 * read path allocates per frame, plus what the JVM allocates in the background whatever the frames (JMH's and the
 * JVM's own threads), spread over the frames. The time per operation is that of a burst through
 * the kernel, not a throughput (that is {@link TapThroughputBenchmark}'s).
 *
 * <p>Runs in a network namespace of its own only: see {@link Topology}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Leak detection off, as in TapThroughputBenchmark: its sampling records stack traces, which would be counted here.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.machineId=02:00:00:00:00:01",
        "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ReadPathBenchmark {
    /** A frame that does not arrive within this time was lost: the operation fails rather than spin forever. */
    private static final long ARRIVAL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SPINS_PER_CLOCK_CHECK = 1024;
    /** Frames per invocation: far below the device queue's 1000, so none is dropped on the way. */
    private static final int BURST = 16;

    @Param({"epoll", "io_uring"})
    public String transport;

    @Param({"64", "1500", "9000"})
    public int size;

    private Topology topology;
    private EventLoopGroup group;
    private Channel reader;
    private CountingHandler counter;
    private TunTapDevice input;
    private FileDescriptor inputFd;
    private ByteBuf frame;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        topology = Topology.up("tap", size);
        group = BenchChannels.newLoop(transport);
        counter = new CountingHandler(size);
        reader = BenchChannels.attach(group, "tap", topology.output(), counter, WriteBufferWaterMark.DEFAULT);
        input = TunTapDevice.open(topology.input(), LinkLayer.ETHERNET, Set.of());
        // A view of the device's fd for Netty's write(2) without a copy; the device alone closes the fd.
        inputFd = new FileDescriptor(input.fd());
        frame = BenchFrames.alignedFrame("tap", size);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            if (reader != null) {
                reader.close().sync();
            }
            if (input != null) {
                input.close();
            }
        } finally {
            BenchChannels.shutdown(group);
            if (frame != null) {
                frame.release();
            }
            topology.close();
        }
    }

    /** Writes a burst of frames into tapa and waits until the channel on tapb has read them all. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long readFrame() throws IOException {
        for (int i = 0; i < BURST; i++) {
            int written = inputFd.writeAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
            if (written != size) {
                throw new IOException("write(2) to " + topology.input() + " took " + written + " of " + size
                        + " bytes");
            }
        }
        expected += BURST;
        long start = System.nanoTime();
        for (int spins = 1; counter.received() < expected; spins++) {
            Thread.onSpinWait();
            if (spins % SPINS_PER_CLOCK_CHECK == 0 && System.nanoTime() - start > ARRIVAL_TIMEOUT_NANOS) {
                throw new IOException("frames up to " + expected + " did not arrive at " + topology.output()
                        + " within 1 s (received " + counter.received() + ", other " + counter.other() + ")");
            }
        }
        return expected;
    }
}
