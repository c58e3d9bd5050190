package io.netstack.handler.tcp;

import io.netstack.wire.TcpOptions;

/**
 * The retransmission timeout of RFC 6298: a smoothed round-trip time and its variation from the samples of acknowledged
 * segments (taken as Karn's rule says, never from a retransmitted one: the caller's part), doubled on each expiry.
 *
 * <p>The lower bound is Linux's 200 ms rather than RFC 6298's 1 s, which section 2.4 allows ("MAY"): on a virtual
 * link, with round trips of microseconds, one lost segment would otherwise stall a transfer for a second.
 */
public final class RetransmissionTimeout {
    /** RFC 6298 section 2.1: before any sample. */
    public static final long INITIAL_MILLIS = 1000;
    /** Linux's {@code TCP_RTO_MIN}. */
    public static final long MIN_MILLIS = 200;
    /** RFC 6298 section 2.5: at least 60 s; Linux's {@code TCP_RTO_MAX} is 120 s. */
    public static final long MAX_MILLIS = 120_000;
    /** The clock granularity G of RFC 6298 section 2: this host's clock counts milliseconds. */
    private static final long GRANULARITY_MILLIS = 1;

    private boolean timing;
    private int timedSequence;
    private long timedAtMillis;
    private long smoothedMillis = -1;
    private long variationMillis;
    private long timeoutMillis = INITIAL_MILLIS;
    private int backoffs;

    /**
     * Times the segment starting at {@code sequence}, sent for the first time, unless one is timed already: without
     * timestamps one segment per round trip is timed (RFC 6298 section 3).
     *
     * @param sequence  its first sequence number
     * @param nowMillis the clock
     */
    void timeSegment(int sequence, long nowMillis) {
        if (!timing) {
            timing = true;
            timedSequence = sequence;
            timedAtMillis = nowMillis;
        }
    }

    /** A segment was sent again: the one timed may be acknowledged for either transmission (Karn's rule). */
    void retransmitted() {
        timing = false;
    }

    /**
     * New data was acknowledged: a sample from the timestamp it echoes (RFC 7323 section 4.2), or from the segment
     * timed if the ACK covers it.
     *
     * @param ack        the acknowledgment number, past SND.UNA
     * @param nowMillis  the clock, whose low 32 bits are this host's TSval
     * @param options    the ACK's options
     * @param timestamps whether the connection uses timestamps
     */
    void acknowledged(int ack, long nowMillis, TcpOptions options, boolean timestamps) {
        if (timestamps && options.hasTimestamps() && options.timestampEchoReply() != 0) {
            // The difference of two 32-bit clock values is right across the clock's wrap.
            sample((int) nowMillis - options.timestampEchoReply());
        } else if (timing && SequenceNumbers.after(ack, timedSequence)) {
            timing = false;
            sample(nowMillis - timedAtMillis);
        }
    }

    /**
     * Takes a round-trip sample (RFC 6298 section 2.2 for the first, 2.3 for the next ones) and resets the backoff.
     *
     * @param rttMillis the time from a segment's first transmission to its acknowledgment
     */
    void sample(long rttMillis) {
        long rtt = Math.max(rttMillis, 0);
        if (smoothedMillis < 0) {
            smoothedMillis = rtt;
            variationMillis = rtt / 2;
        } else {
            // beta = 1/4, alpha = 1/8
            variationMillis = (3 * variationMillis + Math.abs(smoothedMillis - rtt)) / 4;
            smoothedMillis = (7 * smoothedMillis + rtt) / 8;
        }
        backoffs = 0;
        timeoutMillis = clamp(smoothedMillis + Math.max(GRANULARITY_MILLIS, 4 * variationMillis));
    }

    /** The timer expired: the timeout doubles (RFC 6298 section 5.5), up to {@link #MAX_MILLIS}. */
    public void backOff() {
        backoffs++;
        timeoutMillis = clamp(timeoutMillis * 2);
    }

    private static long clamp(long millis) {
        return Math.min(Math.max(millis, MIN_MILLIS), MAX_MILLIS);
    }

    /** {@return the current timeout in milliseconds} */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** {@return the smoothed round-trip time in milliseconds, or -1 before the first sample} */
    public long smoothedRttMillis() {
        return smoothedMillis;
    }

    /** {@return how many times the timer expired since the last sample} */
    public int backoffs() {
        return backoffs;
    }
}
