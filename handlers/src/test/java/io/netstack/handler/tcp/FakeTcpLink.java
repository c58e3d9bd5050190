package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The environment of connections under test: it keeps the packets they send for the test to check and release, runs
 * their timers on a clock that moves only when the test advances it, and forgets closed connections as the host does.
 */
final class FakeTcpLink implements TcpLink {
    private final CountingAllocator alloc = new CountingAllocator();
    private final List<ByteBuf> sent = new ArrayList<>();
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(Comparator.comparingLong((Timer t) -> t.atMillis).thenComparingLong(t -> t.order));
    private final List<TcpConnection> closed = new ArrayList<>();
    private TcpConnections connections;
    private long nowMillis;
    private long scheduled;

    /** Sets the table that forgets a connection once it is closed. */
    void connections(TcpConnections table) {
        connections = table;
    }

    @Override
    public CountingAllocator alloc() {
        return alloc;
    }

    @Override
    public void send(ByteBuf packet) {
        sent.add(packet);
    }

    /** {@return the packets sent since the last call, now the caller's to release} */
    List<ByteBuf> takeSent() {
        List<ByteBuf> packets = List.copyOf(sent);
        sent.clear();
        return packets;
    }

    @Override
    public long nowMillis() {
        return nowMillis;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        Timer timer = new Timer(task, nowMillis + delayMillis, scheduled++);
        timers.add(timer);
        return timer;
    }

    /** Moves the clock {@code millis} on, running the timers that fall due on the way, each at its own time. */
    void advance(long millis) {
        long until = nowMillis + millis;
        for (Timer timer; (timer = timers.peek()) != null && timer.atMillis <= until; ) {
            timers.poll();
            nowMillis = Math.max(nowMillis, timer.atMillis);
            timer.done = true;
            timer.task.run();
        }
        nowMillis = until;
    }

    /** {@return the timers scheduled and neither run nor cancelled} */
    int pendingTimers() {
        return timers.size();
    }

    @Override
    public void closed(TcpConnection connection) {
        closed.add(connection);
        connections.forget(connection);
    }

    /** {@return the connections that told they were closed, once for each time} */
    List<TcpConnection> closedConnections() {
        return closed;
    }

    /** A task on the manual clock. */
    private final class Timer implements ScheduledFuture<Object> {
        final Runnable task;
        final long atMillis;
        final long order;
        boolean done;
        boolean cancelled;

        Timer(Runnable task, long atMillis, long order) {
            this.task = task;
            this.atMillis = atMillis;
            this.order = order;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atMillis - nowMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), other.getDelay(TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done || cancelled) {
                return false;
            }
            cancelled = true;
            timers.remove(this);
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
