package io.netstack.handler.tcp;

/**
 * NewReno (RFC 5681 and RFC 6582): slow start adds the bytes acknowledged, up to one MSS per ACK, and congestion
 * avoidance one MSS per window's worth of acknowledged bytes; a loss halves the flight.
 */
public final class NewReno extends CongestionControl {
    private int bytesAckedInAvoidance;

    /** A controller for one connection. */
    public NewReno() {
    }

    @Override
    public void onAck(int ackedBytes, long nowMillis, long rttMillis) {
        if (inSlowStart()) {
            window += Math.min(ackedBytes, mss);
            return;
        }
        // Appropriate byte counting (RFC 3465): one MSS per cwnd of acknowledged bytes.
        bytesAckedInAvoidance += ackedBytes;
        if (bytesAckedInAvoidance >= window) {
            bytesAckedInAvoidance -= window;
            window += mss;
        }
    }

    @Override
    protected int thresholdAfterLoss(int flightBytes) {
        return flightBytes / 2;
    }
}
