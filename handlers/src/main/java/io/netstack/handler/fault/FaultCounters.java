package io.netstack.handler.fault;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link FaultInjector} did to the frames of one direction. The event loop updates the counts; they are
 * atomic, so any thread may read them.
 *
 * <p>Every frame is accounted for: {@code framesSeen + duplicated} frames went in, and each of them was either
 * delivered, still waits in the injector, or is in one of the counts that {@link #lost()} sums.
 */
public final class FaultCounters {
    final AtomicLong framesSeen = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong duplicated = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();
    final AtomicLong reordered = new AtomicLong();
    final AtomicLong delayed = new AtomicLong();
    final AtomicLong overBandwidth = new AtomicLong();
    final AtomicLong queueOverflows = new AtomicLong();
    final AtomicLong discarded = new AtomicLong();

    FaultCounters() {
    }

    /** {@return the frames that reached the injector, not counting its own duplicates} */
    public long framesSeen() {
        return framesSeen.get();
    }

    /** {@return the frames dropped at the drop rate} */
    public long dropped() {
        return dropped.get();
    }

    /** {@return the frames sent twice} */
    public long duplicated() {
        return duplicated.get();
    }

    /** {@return the frames delivered with one byte's bits flipped} */
    public long corrupted() {
        return corrupted.get();
    }

    /** {@return the frames held back for later frames to overtake} */
    public long reordered() {
        return reordered.get();
    }

    /** {@return the frames that went through the delay line} */
    public long delayed() {
        return delayed.get();
    }

    /** {@return the frames dropped by the bandwidth limit} */
    public long overBandwidth() {
        return overBandwidth.get();
    }

    /** {@return the frames dropped because the delay line was full} */
    public long queueOverflows() {
        return queueOverflows.get();
    }

    /** {@return the held or delayed frames released undelivered when the channel closed or the injector was removed} */
    public long discarded() {
        return discarded.get();
    }

    /** {@return every frame that was not delivered: dropped, over the bandwidth, overflowed or discarded} */
    public long lost() {
        return dropped() + overBandwidth() + queueOverflows() + discarded();
    }

    /** {@return every count, e.g. {@code seen 1000, dropped 50, duplicated 0, ...}} */
    @Override
    public String toString() {
        return "seen " + framesSeen() + ", dropped " + dropped() + ", duplicated " + duplicated()
                + ", corrupted " + corrupted() + ", reordered " + reordered() + ", delayed " + delayed()
                + ", over bandwidth " + overBandwidth() + ", queue overflows " + queueOverflows()
                + ", discarded " + discarded();
    }
}
