package io.netstack.handler.tcp;

/**
 * What happened on one connection, or, summed, on all of a host's; written on the event loop, read anywhere (the
 * fields are plain longs, so a reader elsewhere may see a value a little old).
 */
public final class TcpCounters {
    long segmentsReceived;
    long segmentsSent;
    long bytesReceived;
    long bytesSent;
    long retransmissions;
    long fastRetransmits;
    long timeouts;
    long segmentsOutOfOrder;
    long segmentsOutOfWindow;
    long resetsReceived;
    long resetsSent;
    long keepaliveProbes;

    /** Zero counters. */
    public TcpCounters() {
    }

    /** {@return the segments taken for this connection, any} */
    public long segmentsReceived() {
        return segmentsReceived;
    }

    /** {@return the segments sent, retransmissions included} */
    public long segmentsSent() {
        return segmentsSent;
    }

    /** {@return the bytes of data delivered in order} */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** {@return the bytes of data sent for the first time} */
    public long bytesSent() {
        return bytesSent;
    }

    /** {@return the segments sent again: after a timeout, by fast retransmit, or in a recovery} */
    public long retransmissions() {
        return retransmissions;
    }

    /** {@return the recoveries entered after three duplicate ACKs} */
    public long fastRetransmits() {
        return fastRetransmits;
    }

    /** {@return the times the retransmission timer expired} */
    public long timeouts() {
        return timeouts;
    }

    /** {@return the segments that arrived ahead of a gap} */
    public long segmentsOutOfOrder() {
        return segmentsOutOfOrder;
    }

    /** {@return the segments outside the receive window or older than the last timestamp, answered with an ACK} */
    public long segmentsOutOfWindow() {
        return segmentsOutOfWindow;
    }

    /** {@return the resets accepted from the peer} */
    public long resetsReceived() {
        return resetsReceived;
    }

    /** {@return the resets sent} */
    public long resetsSent() {
        return resetsSent;
    }

    /** Adds {@code other}'s counts to these: a connection that is gone joins its host's totals. */
    void add(TcpCounters other) {
        segmentsReceived += other.segmentsReceived;
        segmentsSent += other.segmentsSent;
        bytesReceived += other.bytesReceived;
        bytesSent += other.bytesSent;
        retransmissions += other.retransmissions;
        fastRetransmits += other.fastRetransmits;
        timeouts += other.timeouts;
        segmentsOutOfOrder += other.segmentsOutOfOrder;
        segmentsOutOfWindow += other.segmentsOutOfWindow;
        resetsReceived += other.resetsReceived;
        resetsSent += other.resetsSent;
        keepaliveProbes += other.keepaliveProbes;
    }

    /** {@return the keepalive probes sent} */
    public long keepaliveProbes() {
        return keepaliveProbes;
    }

    @Override
    public String toString() {
        return "segments in " + segmentsReceived + ", out " + segmentsSent + "; bytes in " + bytesReceived
                + ", out " + bytesSent + "; retransmissions " + retransmissions + " (fast " + fastRetransmits
                + ", timeouts " + timeouts + "); out of order " + segmentsOutOfOrder + ", out of window "
                + segmentsOutOfWindow + "; resets in " + resetsReceived + ", out " + resetsSent + "; keepalive probes "
                + keepaliveProbes;
    }
}
