package io.netstack.handler.tcp;

/**
 * A congestion controller: the congestion window of one connection, in bytes. This base holds what the algorithms
 * share: the initial window of RFC 6928, and NewReno's loss recovery of RFC 6582 (the window inflated by each
 * duplicate ACK, deflated by partial ones, set to the slow-start threshold when the recovery ends). A subclass decides
 * how the window grows while no segment is lost and how far a loss lowers the threshold.
 *
 * <p>One per connection, used from its event loop.
 */
public abstract class CongestionControl {
    /** RFC 6928: {@code min(10 * MSS, max(2 * MSS, 14600))}. */
    private static final int INITIAL_WINDOW_BYTES = 14600;
    private static final int INITIAL_WINDOW_SEGMENTS = 10;

    /** The sender's maximum segment size. */
    protected int mss;
    /** The congestion window, cwnd. */
    protected int window;
    /** The slow-start threshold, ssthresh: unbounded until the first loss (RFC 5681 section 3.1). */
    protected int slowStartThreshold = Integer.MAX_VALUE;

    /** A controller that {@link #start} sets up. */
    protected CongestionControl() {
    }

    /**
     * Sets the initial window for a connection whose segments carry at most {@code mss} bytes.
     *
     * @param maximumSegmentSize the sender's maximum segment size
     */
    public void start(int maximumSegmentSize) {
        mss = maximumSegmentSize;
        window = Math.min(INITIAL_WINDOW_SEGMENTS * mss, Math.max(2 * mss, INITIAL_WINDOW_BYTES));
    }

    /** {@return the congestion window in bytes} */
    public final int window() {
        return window;
    }

    /** {@return the slow-start threshold in bytes} */
    public final int slowStartThreshold() {
        return slowStartThreshold;
    }

    /** {@return whether the window grows exponentially, below the threshold} */
    public final boolean inSlowStart() {
        return window < slowStartThreshold;
    }

    /**
     * New data was acknowledged outside a loss recovery: the window grows.
     *
     * @param ackedBytes the bytes the ACK acknowledged
     * @param nowMillis  the connection's clock
     * @param rttMillis  the smoothed round-trip time, or -1 if none was measured yet
     */
    public abstract void onAck(int ackedBytes, long nowMillis, long rttMillis);

    /**
     * {@return the slow-start threshold after a loss with {@code flightBytes} in flight, before the 2-MSS floor}
     *
     * @param flightBytes the bytes sent and not acknowledged when the loss was found
     */
    protected abstract int thresholdAfterLoss(int flightBytes);

    /**
     * Three duplicate ACKs: fast retransmit and the start of a recovery (RFC 5681 section 3.2, steps 2 and 3).
     *
     * @param flightBytes the bytes in flight
     * @param nowMillis   the connection's clock
     */
    public void onFastRetransmit(int flightBytes, long nowMillis) {
        slowStartThreshold = Math.max(thresholdAfterLoss(flightBytes), 2 * mss);
        window = slowStartThreshold + 3 * mss;
    }

    /** A further duplicate ACK during a recovery: a segment left the network (RFC 6582 section 3.2, step 3). */
    public final void onDuplicateAckInRecovery() {
        window += mss;
    }

    /**
     * A partial ACK during a recovery: the window deflates by what it acknowledged and lets one new segment out
     * (RFC 6582 section 3.2, step 5).
     *
     * @param ackedBytes the bytes it acknowledged
     */
    public final void onPartialAck(int ackedBytes) {
        window = Math.max(window - ackedBytes, mss) + (ackedBytes >= mss ? mss : 0);
    }

    /**
     * The recovery ended with a full ACK (RFC 6582 section 3.2, step 6, its first option).
     *
     * @param flightBytes the bytes still in flight
     */
    public final void onRecoveryEnd(int flightBytes) {
        window = Math.min(slowStartThreshold, Math.max(flightBytes, mss) + mss);
    }

    /**
     * The retransmission timer expired: one segment in flight, slow start again (RFC 5681 section 3.1, equation 4).
     *
     * @param flightBytes the bytes in flight when it expired
     * @param nowMillis   the connection's clock
     */
    public void onTimeout(int flightBytes, long nowMillis) {
        slowStartThreshold = Math.max(thresholdAfterLoss(flightBytes), 2 * mss);
        window = mss;
    }
}
