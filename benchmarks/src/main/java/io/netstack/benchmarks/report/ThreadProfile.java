package io.netstack.benchmarks.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the busiest threads of a benchmark spend their time, in nanoseconds per frame: reads the stacks of {@code perf
 * record -a -g -F HZ} as {@code perf script -F comm,tid,ip,sym} prints them, and, for the two threads with the most
 * samples (the writer and the reader of a run), prints their time per frame in the kernel and in user space, then the
 * functions with the most time per frame, on their own (self) and with what they call (inclusive).
 *
 * <p>Per frame, because the same machine moves between a fast and a slow state: a C reference and netstack profiled
 * back to back are compared function by function at their own frame rates (benchmarks/profile-threads.sh).
 *
 * <p>Usage: {@code perf script ... | ThreadProfile FRAMES HZ [TOP]}: FRAMES moved during the profiled window, HZ the
 * sampling frequency; prints a report on stdout.
 */
public final class ThreadProfile {
    /** x86-64 kernel addresses: the upper half. */
    private static final long KERNEL_SPACE = 0xffff_8000_0000_0000L;

    private ThreadProfile() {
    }

    /** The samples of one thread, by function. */
    static final class ThreadSamples {
        final String name;
        int samples;
        int kernelSamples;
        final Map<String, Integer> self = new HashMap<>();
        final Map<String, Integer> inclusive = new HashMap<>();

        ThreadSamples(String name) {
            this.name = name;
        }

        void add(List<String> stack, boolean inKernel) {
            samples++;
            if (inKernel) {
                kernelSamples++;
            }
            self.merge(stack.getFirst(), 1, Integer::sum);
            // A recursive function counts once per sample.
            Set<String> seen = new HashSet<>(stack);
            for (String function : seen) {
                inclusive.merge(function, 1, Integer::sum);
            }
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: perf script -F comm,tid,ip,sym | ThreadProfile FRAMES HZ [TOP]");
            System.exit(2);
        }
        double frames = Double.parseDouble(args[0]);
        double nsPerSample = 1e9 / Double.parseDouble(args[1]);
        int top = args.length > 2 ? Integer.parseInt(args[2]) : 25;
        Map<String, ThreadSamples> threads = read(new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        List<ThreadSamples> busiest = new ArrayList<>(threads.values());
        busiest.sort((a, b) -> Integer.compare(b.samples, a.samples));
        double scale = nsPerSample / frames;
        for (ThreadSamples thread : busiest.subList(0, Math.min(2, busiest.size()))) {
            System.out.printf(Locale.ROOT, "%s: %.0f ns/frame (kernel %.0f, user %.0f)%n", thread.name,
                    thread.samples * scale, thread.kernelSamples * scale,
                    (thread.samples - thread.kernelSamples) * scale);
            print("self", thread.self, top, scale);
            print("inclusive", thread.inclusive, top, scale);
        }
    }

    /**
     * Parses {@code perf script -F comm,tid,ip,sym} with call graphs: a line "COMM TID" starts a sample, its frames
     * follow one per line (tab, address, symbol), leaf first, and an empty line ends it.
     */
    static Map<String, ThreadSamples> read(BufferedReader in) throws IOException {
        Map<String, ThreadSamples> threads = new HashMap<>();
        String thread = null;
        List<String> stack = new ArrayList<>();
        boolean leafInKernel = false;
        for (String line = in.readLine(); ; line = in.readLine()) {
            if (line == null || line.isBlank()) {
                if (thread != null && !stack.isEmpty()) {
                    threads.computeIfAbsent(thread, ThreadSamples::new).add(stack, leafInKernel);
                }
                thread = null;
                stack = new ArrayList<>();
                if (line == null) {
                    return threads;
                }
            } else if (!Character.isWhitespace(line.charAt(0))) {
                // "COMM TID": the command name may itself contain spaces.
                thread = line.strip().replaceFirst("\\s+(\\d+)$", "-$1");
            } else {
                String frame = line.strip();
                int space = frame.indexOf(' ');
                String address = space < 0 ? frame : frame.substring(0, space);
                String symbol = space < 0 ? "[unknown]" : frame.substring(space + 1).strip();
                if (stack.isEmpty()) {
                    leafInKernel = Long.compareUnsigned(parseAddress(address), KERNEL_SPACE) >= 0;
                }
                stack.add(symbol);
            }
        }
    }

    private static long parseAddress(String hex) {
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void print(String title, Map<String, Integer> counts, int top, double scale) {
        System.out.println("  " + title + ", ns/frame:");
        counts.entrySet().stream()
                .sorted((a, b) -> Integer.compare(b.getValue(), a.getValue()))
                .limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %7.0f  %s%n", e.getValue() * scale,
                        abbreviate(e.getKey())));
    }

    private static String abbreviate(String symbol) {
        return symbol.length() <= 140 ? symbol : symbol.substring(0, 137) + "...";
    }
}
