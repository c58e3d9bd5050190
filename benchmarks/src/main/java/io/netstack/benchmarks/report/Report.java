package io.netstack.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns the RESULT lines of one benchmarks/run.sh run (C programs, JMH iterations, drasyl windows) into the table,
 * a CSV and a PNG chart. Each line is one sample (a measured window); the table gives the median of the samples of
 * an implementation and case, their min and max, and the ratio of the medians to c-blocking's in the same run;
 * {@code xcpu_ns} is the cache-line round trip between the two CPUs measured before each run (see run.sh).
 *
 * <p>Usage: {@code Report RESULTS_FILE CSV_FILE PNG_FILE "TITLE"}; prints the table as Markdown on stdout.
 */
public final class Report {
    static final List<String> IMPLEMENTATIONS =
            List.of("c-blocking", "c-io_uring", "c-io_uring-mshot", "netstack-epoll", "netstack-io_uring",
                    "drasyl-tun");
    private static final String BASELINE = "c-blocking";

    private Report() {
    }

    /** One implementation in one case (mode and size), over all its samples. */
    record Row(String impl, String mode, int size, int samples, double fps, double fpsMin, double fpsMax,
               double gbps, double lossPercent, double userNs, double sysNs, double otherCpus, double xcpuNs,
               double readAllocBytes, double writeAllocBytes, double ratio) {
    }

    public static void main(String[] args) throws IOException {
        List<Map<String, String>> samples = new ArrayList<>();
        // Each round repeats its SKIP lines: once each is enough.
        Set<String> skipped = new LinkedHashSet<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            int at = line.indexOf("RESULT ");
            if (at >= 0) {
                samples.add(fields(line.substring(at + 7)));
            } else if (line.startsWith("SKIP ") || line.startsWith("FAIL ")) {
                skipped.add(line);
            }
        }
        List<Row> rows = rows(samples);
        System.out.print(markdown(rows));
        for (String s : skipped) {
            System.out.println("  " + s);
        }
        Files.writeString(Path.of(args[1]), csv(rows));
        Chart.write(rows, Path.of(args[2]), args.length > 3 ? args[3] : "frames/s");
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                f.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return f;
    }

    static List<Row> rows(List<Map<String, String>> samples) {
        Map<String, List<Map<String, String>>> byCase = new TreeMap<>();
        for (Map<String, String> s : samples) {
            byCase.computeIfAbsent(s.get("impl") + "|" + s.get("mode") + "|" + s.get("size"), k -> new ArrayList<>())
                    .add(s);
        }
        Map<String, Double> baseline = new TreeMap<>();
        List<Row> rows = new ArrayList<>();
        for (List<Map<String, String>> group : byCase.values()) {
            Map<String, String> first = group.getFirst();
            double[] fps = values(group, "fps");
            double[] loss = group.stream().mapToDouble(s -> {
                double written = num(s, "written");
                return written > 0 ? 100 * (written - num(s, "received")) / written : 0;
            }).toArray();
            Row row = new Row(first.get("impl"), first.get("mode"), Integer.parseInt(first.get("size")), group.size(),
                    median(fps), min(fps), max(fps), median(values(group, "gbps")), median(loss),
                    median(values(group, "user_ns_per_frame")), median(values(group, "sys_ns_per_frame")),
                    median(values(group, "other_cpus")), median(measured(values(group, "xcpu_ns"))),
                    median(values(group, "read_alloc_bytes_per_frame")),
                    median(values(group, "write_alloc_bytes_per_frame")), Double.NaN);
            if (BASELINE.equals(row.impl)) {
                baseline.put(row.mode + row.size, row.fps);
            }
            rows.add(row);
        }
        rows.replaceAll(r -> new Row(r.impl, r.mode, r.size, r.samples, r.fps, r.fpsMin, r.fpsMax, r.gbps,
                r.lossPercent, r.userNs, r.sysNs, r.otherCpus, r.xcpuNs, r.readAllocBytes, r.writeAllocBytes,
                r.fps / baseline.getOrDefault(r.mode + r.size, Double.NaN)));
        rows.sort(Comparator.comparing((Row r) -> r.mode).thenComparingInt(r -> r.size)
                .thenComparingInt(r -> order(r.impl)));
        return rows;
    }

    static int order(String impl) {
        int i = IMPLEMENTATIONS.indexOf(impl);
        return i < 0 ? IMPLEMENTATIONS.size() : i;
    }

    private static double[] values(List<Map<String, String>> group, String key) {
        return group.stream().filter(s -> s.containsKey(key)).mapToDouble(s -> num(s, key)).toArray();
    }

    /** Without the probe's "no figure" (-1: fewer than two CPUs, or no probe), which is not a latency. */
    private static double[] measured(double[] values) {
        return Arrays.stream(values).filter(v -> v >= 0).toArray();
    }

    private static double num(Map<String, String> s, String key) {
        return Double.parseDouble(s.get(key));
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] sorted = v.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static String markdown(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| implementation | mode | size | frames/s (median) | min..max | Gbit/s | loss | user ns/frame"
                + " | sys ns/frame | x c-blocking | alloc B/frame read/write | n | other CPUs | x-CPU ns |\n");
        out.append("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT,
                    "| %s | %s | %d | %,.0f | %,.0f..%,.0f | %.2f | %.1f %% | %,.0f | %,.0f | %s | %s | %d | %.2f"
                            + " | %s |%n",
                    r.impl, r.mode, r.size, r.fps, r.fpsMin, r.fpsMax, r.gbps, r.lossPercent, r.userNs, r.sysNs,
                    formatOr("%.2f", r.ratio, "-"),
                    Double.isNaN(r.readAllocBytes) ? "-"
                            : String.format(Locale.ROOT, "%.2f / %.2f", r.readAllocBytes, r.writeAllocBytes),
                    r.samples, r.otherCpus, formatOr("%.0f", r.xcpuNs, "-")));
        }
        return out.toString();
    }

    private static String csv(List<Row> rows) {
        StringBuilder out = new StringBuilder("implementation,mode,size,samples,fps_median,fps_min,fps_max,gbps,"
                + "loss_percent,user_ns_per_frame,sys_ns_per_frame,ratio_to_c_blocking,read_alloc_bytes_per_frame,"
                + "write_alloc_bytes_per_frame,other_cpus,xcpu_ns\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.0f,%.0f,%.0f,%.3f,%.2f,%.0f,%.0f,%.3f,%s,%s,%.2f,%s%n",
                    r.impl, r.mode, r.size, r.samples, r.fps, r.fpsMin, r.fpsMax, r.gbps, r.lossPercent, r.userNs,
                    r.sysNs, r.ratio, formatOr("%.3f", r.readAllocBytes, ""), formatOr("%.3f", r.writeAllocBytes, ""),
                    r.otherCpus, formatOr("%.0f", r.xcpuNs, "")));
        }
        return out.toString();
    }

    /** {@code value} in {@code format}, or {@code missing} for a figure the samples did not have (NaN). */
    private static String formatOr(String format, double value, String missing) {
        return Double.isNaN(value) ? missing : String.format(Locale.ROOT, format, value);
    }
}
