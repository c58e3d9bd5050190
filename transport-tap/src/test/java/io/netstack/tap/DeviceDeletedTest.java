package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.testing.EventLoops;
import io.netstack.tap.testing.ExceptionQueue;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.LoopCpu;
import io.netstack.tap.testing.OpenFiles;
import io.netstack.tap.testing.TestFrames;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device is deleted from outside ({@code ip link del}) under a bound channel: the channel must notice, say why,
 * close, fail what it could not write, and leave its loop idle.
 */
@KernelTest
class DeviceDeletedTest {
    /** A busy loop uses a whole CPU; an idle one almost none. Well between the two, even on a noisy machine. */
    private static final double MAX_LOOP_BUSY_SHARE = 0.2;
    private static final int BURST = 1000;

    @RegisterExtension
    final EventLoops loops = new EventLoops();
    private EventLoopGroup group;

    private TapChannel bindUp(Transport transport, String name, ExceptionQueue exceptions)
            throws InterruptedException {
        group = loops.open(transport, 1);
        return (TapChannel) new Bootstrap().group(group).channel(TapChannel.class).handler(exceptions)
                .option(TapChannelOption.LINK_UP, true)
                // Each flush writes this many frames, then lets the loop turn: the rest of a burst waits its turn.
                .option(ChannelOption.MAX_MESSAGES_PER_WRITE, 16)
                .bind(new TapAddress(name)).sync().channel();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void deletedWhileReading(Transport transport) throws Exception {
        ExceptionQueue exceptions = new ExceptionQueue();
        TapChannel channel = bindUp(transport, "nsdelr0", exceptions);
        assertTrue(channel.config().isAutoRead());
        LoopCpu loop = LoopCpu.of(channel.eventLoop());

        boolean[] closed = new boolean[1];
        double busy = loop.busyShare(500, () -> {
            Ip.run("link", "del", "nsdelr0");
            closed[0] = channel.closeFuture().await(1, TimeUnit.SECONDS);
        });

        assertLoopIdle(busy);
        assertTrue(closed[0], "the channel closes within 1 s of the deletion");
        assertDeviceGone(exceptions, "nsdelr0");
        assertEquals(0, OpenFiles.tun(), "the device's fd is closed");
    }

    /**
     * Nothing wakes a channel that is not reading when its device goes, and the kernel may wake a reading one before
     * it detaches it (then nothing after): the channel must find out by itself.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void deletedWhileNotReading(Transport transport) throws Exception {
        ExceptionQueue exceptions = new ExceptionQueue();
        TapChannel channel = bindUp(transport, "nsdeln0", exceptions);
        channel.config().setAutoRead(false);
        channel.eventLoop().submit(() -> { }).sync();

        Ip.run("link", "del", "nsdeln0");

        assertTrue(channel.closeFuture().await(3, TimeUnit.SECONDS), "the channel closes within 3 s of the deletion");
        assertDeviceGone(exceptions, "nsdeln0");
        assertEquals(0, OpenFiles.tun(), "the device's fd is closed");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void deletedWhileWriting(Transport transport) throws Exception {
        ExceptionQueue exceptions = new ExceptionQueue();
        TapChannel channel = bindUp(transport, "nsdelw0", exceptions);
        LoopCpu loop = LoopCpu.of(channel.eventLoop());
        List<ChannelFuture> writes = new ArrayList<>();
        CountDownLatch flushing = new CountDownLatch(1);
        CountDownLatch deleted = new CountDownLatch(1);
        Future<?> writer = channel.eventLoop().submit(() -> {
            for (int i = 0; i < BURST; i++) {
                writes.add(channel.write(TestFrames.sequenced(channel.alloc(), 60, i)));
            }
            // The flush writes a share of the burst now and the rest in later loop turns...
            channel.flush();
            flushing.countDown();
            // ...but the loop is held until the device is gone, so that the rest meets the deletion in the write
            // path (left free, the loop might learn of it from EPOLLERR first, and the write path stay untested).
            deleted.await(5, TimeUnit.SECONDS);
            channel.flush();
            return null;
        });
        assertTrue(flushing.await(5, TimeUnit.SECONDS));

        boolean[] closed = new boolean[1];
        double busy = loop.busyShare(500, () -> {
            Ip.run("link", "del", "nsdelw0");
            deleted.countDown();
            closed[0] = channel.closeFuture().await(1, TimeUnit.SECONDS);
        });
        writer.sync();

        assertLoopIdle(busy);
        assertTrue(closed[0], "the channel closes within 1 s of the deletion");
        TunTapException cause = assertDeviceGone(exceptions, "nsdelw0");
        int succeeded = 0;
        for (ChannelFuture write : writes) {
            assertTrue(write.isDone(), "no write is left pending");
            if (write.isSuccess()) {
                succeeded++;
            } else {
                assertEquals(cause, write.cause(), "a pending write fails with the cause the pipeline saw");
            }
        }
        assertTrue(succeeded < BURST, "frames were still waiting when the device went: " + succeeded);
        assertEquals(channel.metrics().framesWritten(), succeeded, "a promise succeeds for each frame written");
        assertEquals(0, OpenFiles.tun(), "the device's fd is closed");
    }

    private static void assertLoopIdle(double busy) {
        assertTrue(busy < MAX_LOOP_BUSY_SHARE, "the loop spins: busy " + Math.round(busy * 100) + "% of the time");
    }

    /** The pipeline was told, with the device's name and the kernel's EBADFD, and the device is gone. */
    private static TunTapException assertDeviceGone(ExceptionQueue exceptions, String name) throws Exception {
        TunTapException e = assertInstanceOf(TunTapException.class, exceptions.await(1, TimeUnit.SECONDS));
        assertEquals(name, e.deviceName());
        assertEquals(Errno.EBADFD, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("deleted from outside"), e.getMessage());
        assertEquals(0, exceptions.size(), "the pipeline is told once");
        assertFalse(Ip.linkExists(name));
        return e;
    }
}
