package io.netstack.tap;

import io.netstack.tap.testing.EventLoops;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.SequenceChecker;
import io.netstack.tap.testing.SequencedWriter;
import io.netstack.tap.testing.TapPair;
import io.netstack.tap.testing.TestFrames;
import io.netstack.tap.testing.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer faster than its reader, through two TAP devices joined by tc ({@link TapPair}): the kernel drops what the
 * reader cannot take and counts it; the channels lose nothing on their own, reorder nothing, and writability follows
 * the outbound buffer.
 */
@KernelTest
class SlowReceiverTest {
    private static final int FRAMES = 20_000;
    private static final int FRAME_LENGTH = 1000;

    @RegisterExtension
    final EventLoops loops = new EventLoops();
    private EventLoopGroup group;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void everyFrameIsReadOrCountedAsDroppedByTheKernel(Transport transport) throws Exception {
        group = loops.open(transport, 2);
        // At most 5,000 frames a second, several times slower than the writer even with every buffer tracked by
        // the leak detector on a busy machine: the reader's queue (500 frames) overflows.
        SequenceChecker slowReader = new SequenceChecker(50, 10, TimeUnit.MILLISECONDS);
        try (TapPair pair = TapPair.open(group, "nsslow", slowReader)) {
            assertNotSame(pair.writer().eventLoop(), pair.reader().eventLoop(), "writer and reader run side by side");
            SequencedWriter writer = SequencedWriter.start(pair.writer(), FRAMES, FRAME_LENGTH, 30, TimeUnit.SECONDS);
            writer.awaitDone();
            assertEquals(FRAMES, writer.succeeded(), "every write succeeds; the first failure: "
                    + writer.firstFailure());

            // The kernel counts a drop as it happens; frames it queued reach the reader a little later.
            LongSupplier accounted = () -> slowReader.received() + pair.kernelDrops();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (accounted.getAsLong() < FRAMES && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            Thread.sleep(100); // and nothing more arrives
            long drops = pair.kernelDrops();
            assertEquals(FRAMES, slowReader.received() + drops, "frames read (" + slowReader.received()
                    + ") + dropped by the kernel (" + drops + ") = frames written");
            assertTrue(drops > 0, "the reader was slow enough for the kernel to drop frames");
            assertEquals(0, slowReader.outOfOrder(), "frames are read in the order they were written");
            assertEquals(0, slowReader.foreign(), "nothing but the writer's frames reached the reader");
            assertEquals(slowReader.received(), pair.reader().metrics().framesRead());
            assertEquals(FRAMES, pair.writer().metrics().framesWritten());
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void writabilityFollowsTheWatermarksWhenWritesOutpaceFlushes(Transport transport) throws Exception {
        group = loops.open(transport, 2);
        SequenceChecker reader = new SequenceChecker();
        try (TapPair pair = TapPair.open(group, "nswater", reader)) {
            TapChannel channel = pair.writer();
            int high = 32 * 1024;
            channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(high / 4, high));
            List<Boolean> changes = new CopyOnWriteArrayList<>();
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    changes.add(ctx.channel().isWritable());
                }
            });

            int written = channel.eventLoop().submit(() -> {
                int frames = 0;
                // Bounded: 1000 frames hold far more than the high watermark.
                while (channel.isWritable() && frames < 1000) {
                    assertTrue(channel.unsafe().outboundBuffer().totalPendingWriteBytes() <= high,
                            "writable while at most the high watermark is pending");
                    channel.write(TestFrames.sequenced(channel.alloc(), FRAME_LENGTH, frames++));
                }
                assertFalse(channel.isWritable(), "unwritable once the unflushed frames exceed the high watermark");
                assertTrue(channel.unsafe().outboundBuffer().totalPendingWriteBytes() > high);
                assertEquals(List.of(false), changes, "the pipeline was told");
                channel.flush();
                return frames;
            }).get(5, TimeUnit.SECONDS);
            // On epoll the flush writes everything before it returns; io_uring completes the writes a loop turn later.
            long writableBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!channel.eventLoop().submit(channel::isWritable).get() && System.nanoTime() - writableBy < 0) {
                Thread.sleep(1);
            }
            assertTrue(channel.eventLoop().submit(channel::isWritable).get(),
                    "writable again once the flush drained the buffer");
            assertEquals(List.of(false, true), channel.eventLoop().submit(() -> List.copyOf(changes)).get(),
                    "the pipeline was told again");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reader.received() < written && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            assertEquals(written, reader.received(), "every frame came out of the other device");
            assertEquals(0, reader.outOfOrder());
        }
    }
}
