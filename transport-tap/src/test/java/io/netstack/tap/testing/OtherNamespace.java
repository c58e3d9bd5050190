package io.netstack.tap.testing;

import io.netstack.tap.process.NetworkNamespace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A second private network namespace, held by a thread of its own, for the far end of a test's traffic: sockets
 * and {@code ip} commands run on that thread live there. A device of the test's namespace moves in with
 * {@link #adopt}; the tun fd keeps working after the move. Anonymous: nothing is mounted under /run/netns, and the
 * namespace (with any device still in it) goes when the thread ends and its sockets are closed.
 */
public final class OtherNamespace implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "other-netns"));
    private final String tid;

    public OtherNamespace() throws Exception {
        tid = call(() -> {
            NetworkNamespace.enterNew();
            Ip.run("link", "set", "lo", "up");
            // "PID/task/TID": ip link set ... netns takes a thread id as well as a process id.
            return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        });
    }

    /** Runs {@code task} in the namespace and waits for it, at most 60 seconds. */
    public <T> T call(Callable<T> task) throws Exception {
        return await(submit(task));
    }

    /** Starts {@code task} in the namespace. */
    public <T> Future<T> submit(Callable<T> task) {
        return thread.submit(task);
    }

    /** Runs {@code ip ARGS...} in the namespace. */
    public String ip(String... args) throws Exception {
        return call(() -> Ip.run(args));
    }

    /** Moves the device {@code name} from the calling thread's namespace into this one. */
    public void adopt(String name) {
        Ip.run("link", "set", "dev", name, "netns", tid);
    }

    /** The result of {@code future}, waiting at most 60 seconds; the task's own failure is rethrown as is. */
    public static <T> T await(Future<T> future) throws Exception {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("task did not finish within 60 s", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdownNow();
        if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the other namespace's thread did not end");
        }
    }
}
