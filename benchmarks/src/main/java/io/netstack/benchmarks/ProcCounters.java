package io.netstack.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the kernel counts for us, read from /proc: the process's CPU time, the machine's busy time, and the drop
 * counters of the benchmark's two devices. {@code /proc/self/net/dev} shows the namespace of the process, which is
 * the benchmark's own (the JVM runs under {@code unshare -n}).
 */
public final class ProcCounters {
    /** USER_HZ: /proc reports times in these ticks; it is 100 on every Linux ABI. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcCounters() {
    }

    /** One reading of everything; differences of two readings describe the window between them. */
    public record Snapshot(long nanoTime, long userNanos, long systemNanos, long machineBusyNanos, long drops) {
        /** CPUs' worth of time that other processes used between {@code start} and this snapshot. */
        public double otherCpusSince(Snapshot start) {
            long ours = userNanos + systemNanos - start.userNanos - start.systemNanos;
            long busy = machineBusyNanos - start.machineBusyNanos;
            return Math.max(0, busy - ours) / (double) (nanoTime - start.nanoTime);
        }
    }

    /** Reads all counters; {@code devices} are the two devices whose rx and tx drops are summed. */
    public static Snapshot snapshot(String... devices) {
        long now = System.nanoTime();
        String[] stat = statFields();
        return new Snapshot(now,
                Long.parseLong(stat[13]) * NANOS_PER_TICK,
                Long.parseLong(stat[14]) * NANOS_PER_TICK,
                machineBusyTicks() * NANOS_PER_TICK,
                drops(devices));
    }

    /** The fields of /proc/self/stat, numbered from 0; the command name may contain spaces, so split after it. */
    private static String[] statFields() {
        String line = read(Path.of("/proc/self/stat")).getFirst();
        String afterName = line.substring(line.lastIndexOf(')') + 2);
        String[] rest = afterName.split(" ");
        String[] fields = new String[rest.length + 2];
        System.arraycopy(rest, 0, fields, 2, rest.length);
        return fields;
    }

    /** user + nice + system + irq + softirq + steal of all CPUs, as benchmarks/native/common.c counts it. */
    private static long machineBusyTicks() {
        for (String line : read(Path.of("/proc/stat"))) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])
                        + Long.parseLong(f[6]) + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            }
        }
        throw new IllegalStateException("no cpu line in /proc/stat");
    }

    /** rx_dropped + tx_dropped of the given devices. */
    private static long drops(String... devices) {
        long total = 0;
        for (String line : read(Path.of("/proc/self/net/dev"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            for (String device : devices) {
                if (device.equals(name)) {
                    String[] f = line.substring(colon + 1).trim().split("\\s+");
                    total += Long.parseLong(f[3]) + Long.parseLong(f[11]);
                }
            }
        }
        return total;
    }

    private static List<String> read(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
