package io.netstack.handler.fault;

import java.math.BigDecimal;
import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * What a {@link FaultInjector} does to the frames of one direction: the rates at which it drops, duplicates,
 * corrupts and reorders them, the delay it adds, and the bandwidth it lets through. Immutable; made with
 * {@link #builder()}. A rate is a probability per frame, from {@code 0} (never) to {@code 1} (every frame).
 *
 * <p>The faults are applied in this order, each to what the previous ones left: drop; duplicate (the copy then goes
 * through the remaining faults on its own); corrupt; the bandwidth limit; reorder; delay.
 */
public final class FaultSettings {
    /** The default bound of the delay line, in frames: the default {@code limit} of Linux's netem. */
    public static final int DEFAULT_QUEUE_LIMIT = 1000;

    /** The default for {@link #reorderDistance()}: a held frame comes out after the next one. */
    public static final int DEFAULT_REORDER_DISTANCE = 1;

    /** The default for {@link #reorderTimeout()}. */
    public static final Duration DEFAULT_REORDER_TIMEOUT = Duration.ofMillis(10);

    /** Settings that leave every frame alone. */
    public static final FaultSettings NONE = builder().build();

    private final double dropRate;
    private final double duplicateRate;
    private final double corruptRate;
    private final double reorderRate;
    private final int reorderDistance;
    private final Duration reorderTimeout;
    private final Duration delay;
    private final Duration jitter;
    private final int queueLimit;
    private final long bitsPerSecond;
    private final int burstBytes;

    private FaultSettings(Builder builder) {
        dropRate = builder.dropRate;
        duplicateRate = builder.duplicateRate;
        corruptRate = builder.corruptRate;
        reorderRate = builder.reorderRate;
        reorderDistance = builder.reorderDistance;
        reorderTimeout = builder.reorderTimeout;
        delay = builder.delay;
        jitter = builder.jitter;
        queueLimit = builder.queueLimit;
        bitsPerSecond = builder.bitsPerSecond;
        burstBytes = builder.burstBytes;
    }

    /** {@return a builder of settings that, until told otherwise, leave every frame alone} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the probability that a frame is dropped} */
    public double dropRate() {
        return dropRate;
    }

    /** {@return the probability that a frame is sent twice} */
    public double duplicateRate() {
        return duplicateRate;
    }

    /** {@return the probability that a frame has the bits of one of its bytes, chosen at random, flipped} */
    public double corruptRate() {
        return corruptRate;
    }

    /** {@return the probability that a frame is held back while later frames overtake it} */
    public double reorderRate() {
        return reorderRate;
    }

    /** {@return how many later frames overtake a frame held back for reordering} */
    public int reorderDistance() {
        return reorderDistance;
    }

    /** {@return the longest a frame is held back for reordering when fewer later frames come} */
    public Duration reorderTimeout() {
        return reorderTimeout;
    }

    /** {@return the delay added to every frame, before jitter} */
    public Duration delay() {
        return delay;
    }

    /** {@return the largest extra delay drawn at random, uniformly, for each frame} */
    public Duration jitter() {
        return jitter;
    }

    /** {@return whether frames are delayed at all} */
    public boolean delays() {
        return !delay.isZero() || !jitter.isZero();
    }

    /** {@return how many frames the delay line holds at most; a frame that finds it full is dropped} */
    public int queueLimit() {
        return queueLimit;
    }

    /** {@return the bandwidth let through, in bits per second; {@code 0} for no limit} */
    public long bitsPerSecond() {
        return bitsPerSecond;
    }

    /** {@return the bytes that may pass at once after an idle period: the size of the token bucket} */
    public int burstBytes() {
        return burstBytes;
    }

    /** {@return whether the bandwidth is limited} */
    public boolean limitsBandwidth() {
        return bitsPerSecond != 0;
    }

    /** {@return the faults that are set, e.g. {@code drop 5%, delay 10.0ms+-2.0ms queue 1000}, or {@code none}} */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        appendRate(text, "drop", dropRate);
        appendRate(text, "duplicate", duplicateRate);
        appendRate(text, "corrupt", corruptRate);
        if (reorderRate != 0) {
            appendRate(text, "reorder", reorderRate);
            text.append(" by ").append(reorderDistance).append(" within ").append(millis(reorderTimeout));
        }
        if (delays()) {
            separate(text).append("delay ").append(millis(delay)).append("+-").append(millis(jitter))
                    .append(" queue ").append(queueLimit);
        }
        if (limitsBandwidth()) {
            separate(text).append("bandwidth ").append(bitsPerSecond).append(" bit/s burst ").append(burstBytes)
                    .append(" B");
        }
        return text.isEmpty() ? "none" : text.toString();
    }

    private static void appendRate(StringBuilder text, String fault, double rate) {
        if (rate != 0) {
            separate(text).append(fault).append(' ')
                    .append(new BigDecimal(Double.toString(rate)).movePointRight(2).stripTrailingZeros().toPlainString())
                    .append('%');
        }
    }

    private static StringBuilder separate(StringBuilder text) {
        return text.isEmpty() ? text : text.append(", ");
    }

    private static String millis(Duration duration) {
        return duration.toNanos() / 1e6 + "ms";
    }

    /** The configuration of {@link FaultSettings}; every fault is off until set. */
    public static final class Builder {
        private double dropRate;
        private double duplicateRate;
        private double corruptRate;
        private double reorderRate;
        private int reorderDistance = DEFAULT_REORDER_DISTANCE;
        private Duration reorderTimeout = DEFAULT_REORDER_TIMEOUT;
        private Duration delay = Duration.ZERO;
        private Duration jitter = Duration.ZERO;
        private int queueLimit = DEFAULT_QUEUE_LIMIT;
        private long bitsPerSecond;
        private int burstBytes;

        private Builder() {
        }

        /**
         * Drops each frame with probability {@code rate}.
         *
         * @param rate the probability, {@code 0} to {@code 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code rate} is not a probability
         */
        public Builder dropRate(double rate) {
            dropRate = checkRate(rate);
            return this;
        }

        /**
         * Sends each frame twice with probability {@code rate}.
         *
         * @param rate the probability, {@code 0} to {@code 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code rate} is not a probability
         */
        public Builder duplicateRate(double rate) {
            duplicateRate = checkRate(rate);
            return this;
        }

        /**
         * Flips bits of one byte, chosen at random, of each frame with probability {@code rate}.
         *
         * @param rate the probability, {@code 0} to {@code 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code rate} is not a probability
         */
        public Builder corruptRate(double rate) {
            corruptRate = checkRate(rate);
            return this;
        }

        /**
         * Holds each frame back with probability {@code rate} until {@code distance} later frames have passed it,
         * or {@code timeout} has elapsed if they do not come. One frame is held at a time: a frame chosen while
         * another is held passes.
         *
         * @param rate     the probability, {@code 0} to {@code 1}
         * @param distance how many later frames overtake a held frame, at least 1
         * @param timeout  the longest a frame is held, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code rate} is not a probability, {@code distance} is less than 1 or
         *                                  {@code timeout} is not positive
         */
        public Builder reorder(double rate, int distance, Duration timeout) {
            if (distance < 1) {
                throw new IllegalArgumentException("distance must be at least 1: " + distance);
            }
            if (!requireNonNull(timeout, "timeout").isPositive()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            reorderRate = checkRate(rate);
            reorderDistance = distance;
            reorderTimeout = timeout;
            return this;
        }

        /**
         * Delays every frame by {@code delay} plus a random extra of up to {@code jitter}, as a long link does.
         * Frames keep their order: a frame whose draw would overtake the one before it leaves right after it.
         *
         * @param delay  the fixed part, not negative
         * @param jitter the largest random part, not negative
         * @return this builder
         * @throws IllegalArgumentException if a duration is negative
         */
        public Builder delay(Duration delay, Duration jitter) {
            this.delay = checkNotNegative(delay, "delay");
            this.jitter = checkNotNegative(jitter, "jitter");
            return this;
        }

        /**
         * Bounds the delay line; a frame that finds it full is dropped and counted in
         * {@link FaultCounters#queueOverflows()}. {@link #DEFAULT_QUEUE_LIMIT} unless set.
         *
         * @param frames the most frames delayed at once, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code frames} is less than 1
         */
        public Builder queueLimit(int frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("the queue limit must be at least 1: " + frames);
            }
            queueLimit = frames;
            return this;
        }

        /**
         * Limits the bandwidth with a token bucket, as a policer does: a frame finding fewer tokens than its length
         * is dropped and counted in {@link FaultCounters#overBandwidth()}. The bucket fills at {@code bitsPerSecond}
         * up to {@code burstBytes} and starts full.
         *
         * @param bitsPerSecond the rate, positive
         * @param burstBytes    the size of the bucket, positive; a frame longer than it never passes
         * @return this builder
         * @throws IllegalArgumentException if an argument is not positive
         */
        public Builder bandwidth(long bitsPerSecond, int burstBytes) {
            if (bitsPerSecond <= 0 || burstBytes <= 0) {
                throw new IllegalArgumentException("the rate and the burst must be positive: " + bitsPerSecond
                        + " bit/s, " + burstBytes + " bytes");
            }
            this.bitsPerSecond = bitsPerSecond;
            this.burstBytes = burstBytes;
            return this;
        }

        /** {@return the settings} */
        public FaultSettings build() {
            return new FaultSettings(this);
        }

        private static double checkRate(double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("a rate must be a probability from 0 to 1: " + rate);
            }
            return rate;
        }

        private static Duration checkNotNegative(Duration duration, String name) {
            if (requireNonNull(duration, name).isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative: " + duration);
            }
            return duration;
        }
    }
}
