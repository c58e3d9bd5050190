package io.netstack.examples.support;

/** Minimum, average and maximum of measured round-trip times. */
public final class RoundTrips {
    private int count;
    private long minNanos = Long.MAX_VALUE;
    private long maxNanos;
    private long totalNanos;

    public void add(long nanos) {
        count++;
        minNanos = Math.min(minNanos, nanos);
        maxNanos = Math.max(maxNanos, nanos);
        totalNanos += nanos;
    }

    /** How many were measured. */
    public int count() {
        return count;
    }

    /** {@code rtt min/avg/max 0.061/0.094/0.170 ms}, the way ping reports it. */
    @Override
    public String toString() {
        if (count == 0) {
            return "no round trips";
        }
        return String.format("rtt min/avg/max %.3f/%.3f/%.3f ms", minNanos / 1e6, totalNanos / 1e6 / count,
                maxNanos / 1e6);
    }
}
