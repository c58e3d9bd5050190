package io.netstack.tap.testing;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;

import java.util.concurrent.TimeUnit;

/**
 * Writes {@code count} {@link TestFrames#sequenced} frames (numbered from 0) to a channel from its event loop, as
 * fast as the channel takes them: a batch per loop turn, so that the loop's other channels get theirs, and a pause
 * while the channel is not writable (Netty's watermarks). Bounded by the count and by a deadline. Every write has a
 * promise of its own, and each outcome is counted.
 */
public final class SequencedWriter {
    private static final int BATCH = 64;

    private final Channel channel;
    private final EventLoop loop;
    private final long count;
    private final int frameLength;
    private final long deadline;
    private final ChannelFutureListener outcome = this::completed;
    private volatile long next;
    private volatile long succeeded;
    private volatile long failed;
    private volatile Throwable firstFailure;
    private volatile boolean stoppedByDeadline;

    private SequencedWriter(Channel channel, long count, int frameLength, long limit, TimeUnit unit) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.count = count;
        this.frameLength = frameLength;
        this.deadline = System.nanoTime() + unit.toNanos(limit);
    }

    /** Starts writing at once; stops after {@code count} frames, or when {@code limit} is up. */
    public static SequencedWriter start(Channel channel, long count, int frameLength, long limit, TimeUnit unit) {
        SequencedWriter writer = new SequencedWriter(channel, count, frameLength, limit, unit);
        writer.loop.execute(writer::writeBatch);
        return writer;
    }

    private void writeBatch() {
        if (System.nanoTime() - deadline > 0) {
            stoppedByDeadline = true;
            return;
        }
        if (!channel.isActive()) {
            return;
        }
        for (int i = 0; i < BATCH && next < count && channel.isWritable(); i++) {
            channel.write(TestFrames.sequenced(channel.alloc(), frameLength, next++)).addListener(outcome);
        }
        channel.flush();
        if (next < count) {
            if (channel.isWritable()) {
                loop.execute(this::writeBatch);
            } else {
                // Wait for the outbound buffer to drain below the low watermark.
                loop.schedule(this::writeBatch, 1, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void completed(ChannelFuture write) {
        if (write.isSuccess()) {
            succeeded++;
        } else {
            if (firstFailure == null) {
                firstFailure = write.cause();
            }
            failed++;
        }
    }

    /** Frames handed to the channel so far. Read from the loop, or after {@link #awaitDone}. */
    public long written() {
        return next;
    }

    /** Writes whose promise succeeded. */
    public long succeeded() {
        return succeeded;
    }

    /** Writes whose promise failed. */
    public long failed() {
        return failed;
    }

    /** The cause of the first failed write, or {@code null}. */
    public Throwable firstFailure() {
        return firstFailure;
    }

    /** Whether the writer gave up: its deadline passed, or the channel closed. */
    public boolean stopped() {
        return stoppedByDeadline || System.nanoTime() - deadline > 0 || !channel.isOpen();
    }

    /** The number of promises completed so far. */
    public long completed() {
        return succeeded + failed;
    }

    /**
     * Waits until the channel is closed (by someone else) and every write handed to it has its outcome.
     *
     * @throws AssertionError if that takes longer than {@code timeout}
     */
    public void awaitClosedAndSettled(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (channel.isOpen() || completed() < next) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("open " + channel.isOpen() + ", " + completed() + " of " + next
                        + " writes have their outcome after " + timeout + " " + unit);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Waits until every one of the {@code count} writes has its outcome.
     *
     * @throws AssertionError if the deadline passed first, with how far the writer got
     */
    public void awaitDone() throws InterruptedException {
        while (completed() < count) {
            if (stoppedByDeadline || System.nanoTime() - deadline > 0) {
                throw new AssertionError("the writer ran out of time: " + completed() + " of " + count
                        + " writes completed (" + succeeded + " succeeded)");
            }
            if (!channel.isOpen() && completed() == next) {
                throw new AssertionError("the channel closed after " + completed() + " of " + count + " writes",
                        firstFailure);
            }
            Thread.sleep(5);
        }
    }
}
