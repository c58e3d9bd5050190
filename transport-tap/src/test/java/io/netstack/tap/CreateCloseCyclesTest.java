package io.netstack.tap;

import io.netstack.tap.testing.EventLoops;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.OpenFiles;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Many channels bound and closed, one after another on each of several devices, leave no fd and no device behind. */
@KernelTest
class CreateCloseCyclesTest {
    private static final int CYCLES = 10_000;
    /**
     * Closing the last fd of a device makes the kernel tear it down, waiting for RCU grace periods (about 16 ms here):
     * one device at a time, 10,000 cycles take minutes. Cycles on 8 devices and 8 loops at once overlap those waits,
     * and bind and close devices concurrently too.
     */
    private static final int PARALLEL = 8;
    /** A functional bound, far above what the cycles take, so a hang fails instead of stalling the build. */
    private static final long TIME_LIMIT_SECONDS = 180;

    @RegisterExtension
    final EventLoops loops = new EventLoops();
    private EventLoopGroup group;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void tenThousandBindAndCloseCyclesLeaveNothingBehind(Transport transport) throws Exception {
        group = loops.open(transport, PARALLEL);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class).handler(new NoOp());
        // Warm up what the first binds load or open once (classes, the JDK's own files), then count. These binds also
        // start the 8 loops (one each, round robin) from this thread, so that they live in its network namespace.
        for (int i = 0; i < PARALLEL; i++) {
            bootstrap.bind(new TapAddress("nscycle" + i)).sync().channel().close().sync();
        }
        long fds = OpenFiles.count();
        long links = Ip.run("-o", "link").lines().count();

        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(TIME_LIMIT_SECONDS);
        AtomicInteger left = new AtomicInteger(CYCLES);
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            TapAddress device = new TapAddress("nscycle" + i);
            workers.add(CompletableFuture.runAsync(() -> {
                while (left.getAndDecrement() > 0 && System.nanoTime() - deadline < 0) {
                    bootstrap.bind(device).syncUninterruptibly().channel().close().syncUninterruptibly();
                }
            }, Thread::startVirtualThread));
        }
        CompletableFuture.allOf(workers.toArray(new CompletableFuture[0])).get();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, Math.max(0, left.get()), "cycles left undone after " + TIME_LIMIT_SECONDS + " s");
        System.out.printf("%s: %d bind/close cycles, %d at a time, in %d ms%n", transport, CYCLES, PARALLEL, millis);

        assertEquals(fds, OpenFiles.count(), "open file descriptors");
        assertEquals(links, Ip.run("-o", "link").lines().count(), "network devices");
    }

    @ChannelHandler.Sharable
    private static final class NoOp extends ChannelInboundHandlerAdapter {
    }
}
