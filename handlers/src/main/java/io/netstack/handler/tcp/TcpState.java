package io.netstack.handler.tcp;

/** The states of a connection (RFC 9293 section 3.3.2), but LISTEN, which is a listener's and no connection's. */
public enum TcpState {
    /** A SYN was sent, no answer yet: an active open. */
    SYN_SENT,
    /** A SYN was received and answered with a SYN-ACK, whose ACK is awaited. */
    SYN_RECEIVED,
    /** Open: data flows both ways. */
    ESTABLISHED,
    /** This side sent its FIN, not yet acknowledged; the peer has not finished. */
    FIN_WAIT_1,
    /** This side's FIN was acknowledged; the peer may still send. */
    FIN_WAIT_2,
    /** The peer finished; this side may still send. */
    CLOSE_WAIT,
    /** Both sent their FIN at once; this side's is not acknowledged yet. */
    CLOSING,
    /** The peer finished first, then this side; this side's FIN is not acknowledged yet. */
    LAST_ACK,
    /** Both finished; the connection waits out segments still in the network before it is forgotten. */
    TIME_WAIT,
    /** Gone: reset, timed out, or closed by both sides. */
    CLOSED;

    /** {@return whether the handshake completed: RFC 9293's synchronized states} */
    public boolean isSynchronized() {
        return this != SYN_SENT && this != SYN_RECEIVED && this != CLOSED;
    }

    /** {@return whether the peer may still send data: it has not finished} */
    boolean receivesData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** {@return whether this side may still send data: it has not finished} */
    boolean sendsData() {
        return this == ESTABLISHED || this == CLOSE_WAIT;
    }
}
