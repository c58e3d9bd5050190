package io.netstack.handler.tcp;

/**
 * CUBIC (RFC 9438), the default: after a loss the window grows along a cubic curve of the time since, flat around
 * the window where the loss happened ({@code W_max}) and steep away from it, so that a long fat path refills fast and
 * a congested one is probed gently; never slower than Reno would grow it (the Reno-friendly region, section 4.3).
 * A loss lowers the window to {@value #BETA} of itself, and remembers less than that as {@code W_max} when the
 * window had not regained the last one (fast convergence, section 4.7). Slow start is NewReno's.
 */
public final class Cubic extends CongestionControl {
    /** RFC 9438's C, in segments per second cubed. */
    private static final double C = 0.4;
    /** RFC 9438's beta_cubic: the window kept after a loss. */
    static final double BETA = 0.7;
    /** RFC 9438's alpha_cubic for the Reno-friendly estimate: 3 (1 - beta) / (1 + beta). */
    private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);
    private static final double MILLIS_PER_SECOND = 1000.0;

    /** The window, in segments, where the last loss happened. */
    private double maxWindow;
    /** The time the current congestion-avoidance epoch began; -1 until one begins. */
    private long epochStartMillis = -1;
    /** K: the seconds the cubic curve takes from the epoch's start to {@link #maxWindow}. */
    private double k;
    /** W_est of section 4.3: the window Reno would have, in segments. */
    private double renoWindow;
    private double carriedBytes;

    /** A controller for one connection. */
    public Cubic() {
    }

    @Override
    public void onAck(int ackedBytes, long nowMillis, long rttMillis) {
        if (inSlowStart()) {
            window += Math.min(ackedBytes, mss);
            return;
        }
        if (epochStartMillis < 0) {
            startEpoch(nowMillis);
        }
        double segments = (double) window / mss;
        double acked = (double) ackedBytes / mss;
        renoWindow += ALPHA * acked / segments;
        double t = (nowMillis - epochStartMillis + Math.max(rttMillis, 0)) / MILLIS_PER_SECOND;
        double target = C * Math.pow(t - k, 3) + maxWindow;
        target = Math.max(segments, Math.min(target, 1.5 * segments));
        double next = target < renoWindow ? renoWindow : segments + (target - segments) / segments * acked;
        // Whole bytes: the fraction of a byte an ACK adds is carried until it makes one.
        double growth = (next - segments) * mss + carriedBytes;
        int whole = (int) growth;
        carriedBytes = growth - whole;
        window += whole;
    }

    /** An epoch begins with the first ACK of congestion avoidance (RFC 9438 section 4.2). */
    private void startEpoch(long nowMillis) {
        epochStartMillis = nowMillis;
        double segments = (double) window / mss;
        if (maxWindow < segments) {
            // No loss yet, or the window grew past the last one in slow start: the curve starts at its plateau.
            maxWindow = segments;
        }
        k = Math.cbrt((maxWindow - segments) / C);
        renoWindow = segments;
    }

    @Override
    protected int thresholdAfterLoss(int flightBytes) {
        double segments = (double) window / mss;
        // Fast convergence (section 4.7): a window below the last W_max releases bandwidth to newer flows.
        maxWindow = segments < maxWindow ? segments * (1 + BETA) / 2 : segments;
        epochStartMillis = -1;
        return (int) (window * BETA);
    }

    /** {@return W_max, in segments: the window where the last loss happened} */
    public double maxWindowSegments() {
        return maxWindow;
    }
}
