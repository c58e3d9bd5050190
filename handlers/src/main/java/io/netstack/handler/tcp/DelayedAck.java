package io.netstack.handler.tcp;

/**
 * When a connection owes its peer an ACK, and whether it may wait (RFC 1122 section 4.2.3.2, RFC 5681 section 4.2):
 * of the segments that continue the data in order, every second is acknowledged at once and a lone one after
 * {@link #DELAY_MILLIS}, unless data or another ACK leaves first and carries it; anything else is acknowledged at once,
 * a segment out of order or filling a gap above all, which the peer's loss recovery counts on.
 */
final class DelayedAck {
    /** How long an ACK may wait: Linux's {@code TCP_DELACK_MIN}. */
    static final long DELAY_MILLIS = 40;

    private final TcpLink link;
    private final TcpTimer timer;
    private boolean owed;
    private boolean now;
    private int segmentsUnacknowledged;

    /**
     * @param link    the connection's link, for the clock and the timer
     * @param expired runs when a delayed ACK's time is up: the connection sends it
     */
    DelayedAck(TcpLink link, Runnable expired) {
        this.link = link;
        this.timer = new TcpTimer(link, () -> {
            if (owed) {
                now = true;
                expired.run();
            }
        });
    }

    /** An ACK is owed at once. */
    void now() {
        owed = true;
        now = true;
    }

    /**
     * Data arrived.
     *
     * @param inOrder whether it continued the data in order with nothing held early
     */
    void data(boolean inOrder) {
        owed = true;
        if (!inOrder || ++segmentsUnacknowledged >= 2) {
            now = true;
        }
    }

    /** {@return whether an ACK must go now; if one is owed but may wait, the timer is set for it} */
    boolean due() {
        if (owed && !now) {
            timer.arm(link.nowMillis() + DELAY_MILLIS);
        }
        return now;
    }

    /** A segment carrying the ACK went out. */
    void sent() {
        owed = false;
        now = false;
        segmentsUnacknowledged = 0;
    }

    void cancel() {
        timer.cancel();
    }
}
