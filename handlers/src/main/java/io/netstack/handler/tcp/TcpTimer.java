package io.netstack.handler.tcp;

import java.util.concurrent.ScheduledFuture;

/**
 * One scheduled task per connection for all its deadlines: it is moved only when a deadline comes before the one it
 * is set for, and a later deadline is found when it runs, so that acknowledging a segment, which pushes the
 * retransmission deadline back, schedules nothing.
 */
final class TcpTimer {
    private final TcpLink link;
    private final Runnable task;
    private ScheduledFuture<?> scheduled;
    private long atMillis;

    TcpTimer(TcpLink link, Runnable onExpiry) {
        this.link = link;
        this.task = () -> {
            scheduled = null;
            onExpiry.run();
        };
    }

    /** Makes sure the task runs at {@code deadlineMillis} or before. */
    void arm(long deadlineMillis) {
        if (scheduled != null && atMillis <= deadlineMillis) {
            return;
        }
        cancel();
        atMillis = deadlineMillis;
        scheduled = link.schedule(task, Math.max(deadlineMillis - link.nowMillis(), 0));
    }

    void cancel() {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }
}
