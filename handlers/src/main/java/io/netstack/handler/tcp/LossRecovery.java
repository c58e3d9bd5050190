package io.netstack.handler.tcp;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrAfter;

/**
 * Fast retransmit and NewReno's fast recovery (RFC 5681 section 3.2, RFC 6582): the third duplicate ACK starts a
 * recovery that lasts until everything sent before it is acknowledged, each partial ACK on the way sending the next
 * hole again; the congestion controller hears of each step.
 */
final class LossRecovery {
    private static final int DUPLICATE_ACK_THRESHOLD = 3;

    private final CongestionControl congestion;
    private int duplicateAcks;
    private boolean recovering;
    /** RFC 6582's "recover": the highest sequence number sent when the last recovery or timeout began. */
    private int recover;

    LossRecovery(CongestionControl congestion, int initialSequence) {
        this.congestion = congestion;
        this.recover = initialSequence;
    }

    /**
     * An ACK of new data.
     *
     * @param ack         the acknowledgment number
     * @param ackedBytes  the sequence space it acknowledged
     * @param flightBytes what is still in flight after it
     * @param nowMillis   the clock
     * @param rttMillis   the smoothed round-trip time, or -1
     * @return whether the first unacknowledged segment must be sent again: a partial ACK in a recovery
     */
    boolean newAck(int ack, int ackedBytes, int flightBytes, long nowMillis, long rttMillis) {
        duplicateAcks = 0;
        if (!recovering) {
            congestion.onAck(ackedBytes, nowMillis, rttMillis);
            return false;
        }
        if (atOrAfter(ack, recover)) {
            recovering = false;
            congestion.onRecoveryEnd(flightBytes);
            return false;
        }
        congestion.onPartialAck(ackedBytes);
        return true;
    }

    /**
     * A duplicate ACK: no data, no window change, the same acknowledgment number, with data in flight.
     *
     * @param unacknowledged SND.UNA, the ACK's number
     * @param highestSent    the highest sequence number sent
     * @param nowMillis      the clock
     * @return whether a recovery starts: the first unacknowledged segment must be sent again now
     */
    boolean duplicateAck(int unacknowledged, int highestSent, long nowMillis) {
        duplicateAcks++;
        if (recovering) {
            congestion.onDuplicateAckInRecovery();
            return false;
        }
        // RFC 6582 section 3.2, step 2: a recovery starts only once the last one's data is acknowledged.
        if (duplicateAcks != DUPLICATE_ACK_THRESHOLD || !after(unacknowledged, recover)) {
            return false;
        }
        recovering = true;
        recover = highestSent;
        congestion.onFastRetransmit(highestSent - unacknowledged, nowMillis);
        return true;
    }

    /**
     * The retransmission timer expired: any recovery is over, and none starts until what was sent is acknowledged.
     *
     * @param highestSent the highest sequence number sent
     */
    void timedOut(int highestSent) {
        recovering = false;
        duplicateAcks = 0;
        recover = highestSent;
    }

    /** {@return whether a recovery is under way} */
    boolean recovering() {
        return recovering;
    }
}
