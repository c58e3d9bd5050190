package io.netstack.examples.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's own ICMP echo, through iputils {@code ping} run as a child process: Java cannot open an ICMP socket,
 * and a child process inherits the network namespace of the thread that starts it, which is the demo's.
 */
public final class Ping {
    private static final Pattern COUNTS = Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");
    private static final Pattern RTT = Pattern.compile("= ([\\d.]+)/([\\d.]+)/([\\d.]+)(?:/[\\d.]+)? ms");

    /** What ping reported; the round-trip times are in milliseconds, and zero if no echo came back. */
    public record Result(int transmitted, int received, double rttMin, double rttAvg, double rttMax) {
        public boolean allAnswered(int count) {
            return transmitted == count && received == count;
        }
    }

    private Ping() {
    }

    /** Whether a {@code ping} is on the PATH. */
    public static boolean isInstalled() {
        return Programs.isInstalled("ping");
    }

    /**
     * Pings {@code target} {@code count} times, {@code interval} seconds apart, waiting at most a second for each
     * reply; every line ping prints goes to {@code output} as it comes. ping's own deadline ({@code -w}) bounds the
     * run even if replies never come.
     */
    public static Result run(String target, int count, double interval, Consumer<String> output)
            throws IOException, InterruptedException {
        int deadlineSeconds = (int) Math.ceil(count * interval) + 2;
        Process ping = new ProcessBuilder("ping", "-n", "-c", String.valueOf(count), "-i", String.valueOf(interval),
                "-W", "1", "-w", String.valueOf(deadlineSeconds), target).redirectErrorStream(true).start();
        int transmitted = 0;
        int received = 0;
        double[] rtt = new double[3];
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(ping.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.accept(line);
                Matcher counts = COUNTS.matcher(line);
                if (counts.find()) {
                    transmitted = Integer.parseInt(counts.group(1));
                    received = Integer.parseInt(counts.group(2));
                }
                Matcher times = RTT.matcher(line);
                if (line.startsWith("rtt") && times.find()) {
                    for (int i = 0; i < rtt.length; i++) {
                        rtt[i] = Double.parseDouble(times.group(i + 1));
                    }
                }
            }
        } finally {
            if (!ping.waitFor(deadlineSeconds + 5, TimeUnit.SECONDS)) {
                ping.destroyForcibly();
            }
        }
        return new Result(transmitted, received, rtt[0], rtt[1], rtt[2]);
    }
}
