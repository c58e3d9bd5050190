package io.netstack.tap;

import io.netstack.tap.testing.EventLoops;
import io.netstack.tap.testing.ExceptionQueue;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.OpenFiles;
import io.netstack.tap.testing.SequenceChecker;
import io.netstack.tap.testing.SequencedWriter;
import io.netstack.tap.testing.TapPair;
import io.netstack.tap.testing.TestFrames;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channels closed while busy, from a thread other than their loop, and loops shut down under open channels. (Closing
 * before bind, binding twice and an incompatible loop are in {@link TapChannelTest}.)
 */
@KernelTest
class CloseAndShutdownTest {
    /** Frames queued for the reader before it reads them, in one batch: fewer than it reads per wakeup (64). */
    private static final int BATCH = 32;

    @RegisterExtension
    final EventLoops loops = new EventLoops();
    private EventLoopGroup group;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closedFromAnotherThreadWhileReadingAndWriting(Transport transport) throws Exception {
        group = loops.open(transport, 2);
        SequenceChecker reader = new SequenceChecker();
        try (TapPair pair = TapPair.open(group, "nsbusy", reader)) {
            // Far more than the test lets it write: the writer is still busy when its channel closes.
            SequencedWriter writer = SequencedWriter.start(pair.writer(), 10_000_000, 1000, 30, TimeUnit.SECONDS);
            awaitAtLeast(reader::received, 1000);

            assertTrue(pair.reader().close().await(1, TimeUnit.SECONDS), "the reader closes within 1 s");
            assertFalse(Ip.linkExists("nsbusyb"));
            long writtenWhenReaderClosed = writer.written();
            awaitAtLeast(writer::written, writtenWhenReaderClosed + 1000);

            assertTrue(pair.writer().close().await(1, TimeUnit.SECONDS), "the writer closes within 1 s");
            writer.awaitClosedAndSettled(1, TimeUnit.SECONDS);
            assertTrue(writer.written() < 10_000_000);
            assertEquals(pair.writer().metrics().framesWritten(), writer.succeeded(),
                    "a promise succeeds for each frame written");
            if (writer.failed() > 0) {
                assertInstanceOf(ClosedChannelException.class, writer.firstFailure(),
                        "the writes the close cut off fail because of it");
            }
            assertEquals(0, reader.outOfOrder());
        }
        assertEquals(0, OpenFiles.tun(), "no device fd is left open");
        assertFalse(Ip.linkExists("nsbusya"));
    }

    /**
     * The kernel tears a device down in {@code close(2)} of its last fd, waiting for RCU grace periods: its loop, which
     * may serve other channels, must not wait with it. Once the fd has left the process's table (the start of its
     * close), a task given to the loop runs before the channel's close has completed, and a frame written meanwhile
     * fails with the close. The channel's close completes after it, with the device gone.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void theLoopGoesOnWhileTheKernelTearsTheDeviceDown(Transport transport) throws Exception {
        group = loops.open(transport, 1);
        TapChannel channel = (TapChannel) new Bootstrap().group(group).channel(TapChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(new TapAddress("nsteardown")).sync().channel();
        assertEquals(1, OpenFiles.tun());

        ChannelFuture closed = channel.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (OpenFiles.tun() != 0 && !closed.isDone() && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
        assertEquals(0, OpenFiles.tun(), "the fd's close began within 5 s");
        boolean loopRanDuringTheClose = channel.eventLoop().submit(() -> !closed.isDone()).get(5, TimeUnit.SECONDS);
        ChannelFuture lateWrite = channel.writeAndFlush(Unpooled.directBuffer(64).writeZero(64));

        assertTrue(closed.await(5, TimeUnit.SECONDS), "the close completes");
        assertTrue(loopRanDuringTheClose, "the loop ran a task while the kernel tore the device down");
        assertTrue(lateWrite.await(5, TimeUnit.SECONDS));
        assertInstanceOf(ClosedChannelException.class, lateWrite.cause(), "a frame written during the close fails");
        assertFalse(channel.isOpen());
        assertFalse(Ip.linkExists("nsteardown"), "the device is gone when the close completes");
        assertEquals(0, OpenFiles.tun(), "no device fd is left open");
    }

    /**
     * A handler that closes its channel on the first frame of a batch ends the batch there: no frame after it reaches
     * the pipeline, and nothing reads from the fd once it has left the loop (a read there would fail, or read another
     * file that took its number).
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void aHandlerClosingItsChannelMidBatchEndsTheReads(Transport transport) throws Exception {
        group = loops.open(transport, 2);
        AtomicInteger delivered = new AtomicInteger();
        ExceptionQueue exceptions = new ExceptionQueue();
        ChannelInboundHandlerAdapter closeOnFirstFrame = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                delivered.incrementAndGet();
                ctx.close();
            }
        };
        try (TapPair pair = TapPair.open(group, "nsmidread", closeOnFirstFrame)) {
            pair.reader().pipeline().addLast(exceptions);
            pair.reader().config().setAutoRead(false);
            // Reading stops on the reader's loop (on io_uring, once the cancelled read has completed): two turns.
            for (int turn = 0; turn < 2; turn++) {
                pair.reader().eventLoop().submit(() -> { }).sync();
            }
            assertEquals(0, delivered.get());
            for (int i = 0; i < BATCH; i++) {
                pair.writer().write(TestFrames.sequenced(pair.writer().alloc(), 64, i));
            }
            pair.writer().flush();
            // tc hands each frame to the reader's device within the write: once written, it waits there.
            awaitAtLeast(pair.writer().metrics()::framesWritten, BATCH);
            assertEquals(0, delivered.get());

            pair.reader().config().setAutoRead(true);
            assertTrue(pair.reader().closeFuture().await(5, TimeUnit.SECONDS), "the reader closes");
            assertEquals(1, delivered.get(), "no frame after the close reached the pipeline");
            assertEquals(0, exceptions.size(), "nothing failed");
        }
    }

    /**
     * A loop told to stop while a channel's close is under way (its fd being closed off the loop) still finishes that
     * close before it stops: the close future completes, {@code channelInactive} fires, the device is gone.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void aLoopStoppingDuringACloseFinishesIt(Transport transport) throws Exception {
        group = loops.open(transport, 1);
        CountDownLatch inactive = new CountDownLatch(1);
        Channel channel = new Bootstrap().group(group).channel(TapChannel.class).handler(new InactiveCounter(inactive))
                .bind(new TapAddress("nsstopclose")).sync().channel();

        ChannelFuture closed = channel.close();
        assertTrue(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS), "the loop stops");

        assertTrue(closed.isDone(), "the close completed before the loop stopped");
        assertTrue(closed.isSuccess());
        assertEquals(0, inactive.getCount(), "channelInactive fired");
        assertFalse(Ip.linkExists("nsstopclose"), "the device is gone");
        assertEquals(0, OpenFiles.tun(), "no device fd is left open");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shuttingIdleLoopsDownClosesTheirChannels(Transport transport) throws Exception {
        assertShutdownClosesChannels(transport, false);
    }

    /**
     * A shutdown that comes while the loops run a task: with no quiet period, Netty's loop can stop without closing
     * its channels (see {@code TapChannel.closeOnShutdown}); this makes it happen every time.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void shuttingBusyLoopsDownClosesTheirChannels(Transport transport) throws Exception {
        assertShutdownClosesChannels(transport, true);
    }

    private void assertShutdownClosesChannels(Transport transport, boolean busy) throws Exception {
        group = loops.open(transport, 2);
        CountDownLatch inactive = new CountDownLatch(4);
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            channels.add(new Bootstrap().group(group).channel(TapChannel.class)
                    .handler(new InactiveCounter(inactive)).option(TapChannelOption.LINK_UP, true)
                    .bind(new TapAddress((busy ? "nsbusyloop" : "nsidleloop") + i)).sync().channel());
        }
        assertEquals(4, OpenFiles.tun());
        if (busy) {
            CountDownLatch running = new CountDownLatch(2);
            for (EventExecutor loop : group) {
                loop.execute(() -> {
                    running.countDown();
                    sleepUninterruptibly(100);
                });
            }
            assertTrue(running.await(5, TimeUnit.SECONDS));
        }

        assertTrue(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS), "the loops stop");
        for (Channel channel : channels) {
            assertTrue(channel.closeFuture().isDone(), channel + " was closed with its loop");
            assertFalse(Ip.linkExists(((TapChannel) channel).localAddress().name()), "its device is gone");
        }
        assertEquals(0, inactive.getCount(), "channelInactive fired for every channel");
        assertEquals(0, OpenFiles.tun(), "no device fd is left open");
    }

    @ChannelHandler.Sharable
    private static final class InactiveCounter extends ChannelInboundHandlerAdapter {
        private final CountDownLatch inactive;

        InactiveCounter(CountDownLatch inactive) {
            this.inactive = inactive;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive.countDown();
            ctx.fireChannelInactive();
        }
    }

    private static void sleepUninterruptibly(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    private static void awaitAtLeast(LongSupplier counter, long wanted)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (counter.getAsLong() < wanted) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("reached " + counter.getAsLong() + ", not " + wanted + ", in 10 s");
            }
            Thread.sleep(1);
        }
    }
}
