package io.netstack.benchmarks;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's executor for benchmarks of pipeline code run on the benchmark thread, selected in the fork with
 * {@code -Djmh.executor=CUSTOM -Djmh.executor.class=io.netstack.benchmarks.EventLoopLikeExecutor}: its threads are
 * Netty {@code FastThreadLocalThread}s, as event loop threads are. Netty's {@code Recycler} pools objects (buffer
 * duplicates and slices, outbound buffer entries) only on such threads and makes a new one per use on any other, so
 * on JMH's plain threads a benchmark would count allocations that the same code never makes on an event loop.
 */
public final class EventLoopLikeExecutor extends ThreadPoolExecutor {
    /**
     * The constructor JMH calls.
     *
     * @param threads the benchmark's thread count
     * @param prefix  the names of the threads
     */
    public EventLoopLikeExecutor(int threads, String prefix) {
        super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
