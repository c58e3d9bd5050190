package io.netstack.tap.testing;

import io.netty.channel.EventLoop;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CPU time of one event loop's thread, to tell a loop that waits in {@code epoll_wait} from one that spins on a
 * level-triggered event nobody handles.
 */
public final class LoopCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long threadId;

    private LoopCpu(long threadId) {
        this.threadId = threadId;
    }

    /** The loop's thread, learnt by running a task on it (which also starts it if it had not started). */
    public static LoopCpu of(EventLoop loop) throws InterruptedException {
        if (!THREADS.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
        }
        THREADS.setThreadCpuTimeEnabled(true);
        try {
            return new LoopCpu(loop.submit(() -> Thread.currentThread().threadId()).get(5, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("the loop did not run a task", e);
        }
    }

    /** CPU time the thread used so far, in nanoseconds; -1 once the thread is gone. */
    public long cpuNanos() {
        return THREADS.getThreadCpuTime(threadId);
    }

    /**
     * Runs {@code during}, then waits until {@code windowMillis} have passed since it started, and returns the share
     * of that wall time the loop's thread spent on a CPU (0.0 idle, 1.0 spinning).
     */
    public double busyShare(long windowMillis, Action during) throws Exception {
        long wallStart = System.nanoTime();
        long cpuStart = cpuNanos();
        during.run();
        long left = TimeUnit.MILLISECONDS.toNanos(windowMillis) - (System.nanoTime() - wallStart);
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
        long cpu = cpuNanos() - cpuStart;
        return (double) cpu / (System.nanoTime() - wallStart);
    }

    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }
}
