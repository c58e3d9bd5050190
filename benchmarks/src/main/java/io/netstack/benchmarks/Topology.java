package io.netstack.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The persistent device pair of benchmarks/topology.sh (tapa -> tc mirred -> tapb, or tuna -> tunb), made by running
 * that script, so the Java benchmarks attach to exactly what the C references attach to.
 *
 * <p>Only in a network namespace made for the benchmark: the JVM runs under {@code unshare -n} (benchmarks/run.sh
 * starts it so). The script itself refuses to run in the host's namespace (the JVM cannot make that check: as root
 * it still gets EACCES reading /proc/1/ns/net, where the shell's readlink succeeds).
 */
public final class Topology implements AutoCloseable {
    private final String mode;

    private Topology(String mode) {
        this.mode = mode;
    }

    /** Runs {@code topology.sh up MODE MTU}; the MTU fits a frame of {@code frameSize} bytes. */
    public static Topology up(String mode, int frameSize) throws IOException, InterruptedException {
        int mtu = Math.max(1500, "tap".equals(mode) ? frameSize - 14 : frameSize);
        run("up", mode, Integer.toString(mtu));
        return new Topology(mode);
    }

    /** The device written to. */
    public String input() {
        return "tap".equals(mode) ? "tapa" : "tuna";
    }

    /** The device read from. */
    public String output() {
        return "tap".equals(mode) ? "tapb" : "tunb";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("down", mode);
    }

    private static void run(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = script().toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("topology.sh " + String.join(" ", args) + " took more than 30 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException("topology.sh " + String.join(" ", args) + " failed with " + process.exitValue());
        }
    }

    /** -Dnetstack.topology, else benchmarks/topology.sh under the working directory (the repository's root). */
    private static Path script() {
        String configured = System.getProperty("netstack.topology");
        for (Path candidate : configured != null ? new Path[] {Path.of(configured)}
                : new Path[] {Path.of("benchmarks/topology.sh"), Path.of("topology.sh"), Path.of("../topology.sh")}) {
            if (Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalStateException("cannot find benchmarks/topology.sh: run from the repository's root or set"
                + " -Dnetstack.topology=PATH");
    }
}
