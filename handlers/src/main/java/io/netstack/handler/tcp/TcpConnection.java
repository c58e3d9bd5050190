package io.netstack.handler.tcp;

import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;

/**
 * One TCP connection's state machine (RFC 9293 section 3.10): segments in through {@link #receive}, the user's
 * data and closes through {@link #send}, {@link #shutdownOutput} and {@link #abort}, segments out through its
 * {@link TcpLink}, and what the user must hear through its {@link TcpEvents}. Its sending half, with the retransmission
 * timer and congestion control, is its {@link TcpSender}.
 *
 * <p>Used from one event loop; it allocates nothing per segment but the packets it sends and the slices of received
 * data it delivers.
 */
public final class TcpConnection {
    private final TcpLink link;
    private final TcpFlow flow;
    private final TcpCounters counters;
    private final TcpReceiver receiver;
    private final TcpSender sender;
    private final TcpOptions options = new TcpOptions();
    private TcpEvents events;
    private TcpState state;
    private final DelayedAck acks;
    private final Keepalive keepalive;
    private boolean peerFinished;

    TcpConnection(TcpLink link, TcpFlow flow, TcpSettings settings, TcpCounters counters, int initialSequence) {
        this.link = link;
        this.flow = flow;
        this.counters = counters;
        this.receiver = new TcpReceiver(settings.receiveBufferSize(), counters, data -> events.received(data),
                () -> events.unreadBytes());
        this.sender = new TcpSender(this, link, settings, counters, initialSequence);
        this.acks = new DelayedAck(link, this::flushOutput);
        this.keepalive = new Keepalive(link, counters, () -> state, sender, this::timedOut);
    }

    // ---- opening

    /**
     * A passive open: {@code syn} came to a listening port; the answer is a SYN-ACK (RFC 9293 section 3.10.7.2).
     */
    void acceptSyn(TcpSegment syn, TcpOptions synOptions, TcpEvents embryo) {
        events = embryo;
        state = TcpState.SYN_RECEIVED;
        receiver.synchronize(syn, synOptions);
        sender.takePeerSyn(syn, synOptions);
        sender.sendSyn(true);
    }

    /** An active open: a SYN goes out (RFC 9293 section 3.10.1). */
    void connect(TcpEvents user) {
        events = user;
        state = TcpState.SYN_SENT;
        sender.sendSyn(false);
    }

    // ---- segments in

    /**
     * Takes a segment of this connection's flow whose checksum was verified.
     *
     * @param segment the segment, its buffer still the caller's
     */
    public void receive(TcpSegment segment) {
        if (state == TcpState.CLOSED) {
            return;
        }
        counters.segmentsReceived++;
        keepalive.heard();
        options.read(segment);
        if (state == TcpState.SYN_SENT) {
            receiveInSynSent(segment);
        } else {
            receiveSynchronizing(segment);
        }
        flushOutput();
    }

    private void receiveInSynSent(TcpSegment segment) {
        int flags = segment.flags();
        boolean ack = (flags & TcpSegment.ACK) != 0;
        if (ack && !sender.acknowledgesSyn(segment.acknowledgmentNumber())) {
            if ((flags & TcpSegment.RST) == 0) {
                sender.sendReset(segment.acknowledgmentNumber());
            }
            return;
        }
        if ((flags & TcpSegment.RST) != 0) {
            if (ack) {
                fail(new ConnectException("Connection refused: " + flow));
            }
            return;
        }
        if ((flags & TcpSegment.SYN) == 0) {
            return;
        }
        receiver.synchronize(segment, options);
        sender.takePeerSyn(segment, options);
        if (ack) {
            sender.synAcknowledged(segment, options);
            establish();
            acks.now();
        } else {
            // Simultaneous open (RFC 9293 section 3.5, figure 8).
            state = TcpState.SYN_RECEIVED;
            sender.sendSyn(true);
        }
    }

    private void receiveSynchronizing(TcpSegment segment) {
        int flags = segment.flags();
        int sequence = segment.sequenceNumber();
        int length = segment.payloadLength();
        if (!receiver.isAcceptable(sequence, length + ((flags & (TcpSegment.SYN | TcpSegment.FIN)) != 0 ? 1 : 0))
                || receiver.failsPaws(options, flags)) {
            if ((flags & TcpSegment.RST) == 0) {
                acks.now();
                counters.segmentsOutOfWindow++;
            }
            return;
        }
        if ((flags & TcpSegment.RST) != 0) {
            receiveReset(sequence);
            return;
        }
        if ((flags & TcpSegment.SYN) != 0 && state != TcpState.SYN_RECEIVED) {
            // RFC 5961 section 4: a SYN in a synchronized state gets a challenge ACK, not a reset.
            acks.now();
            return;
        }
        if ((flags & TcpSegment.SYN) != 0) {
            sequence++; // a SYN in SYN-RECEIVED: its data, and its FIN, come after its own sequence number
        }
        if ((flags & TcpSegment.ACK) == 0 || !receiveAck(segment)) {
            return;
        }
        receiver.updateRecentTimestamp(options, sequence);
        if (length > 0) {
            receiveData(segment, sequence, length);
        }
        if ((flags & TcpSegment.FIN) != 0) {
            receiveFin(sequence + length);
        }
    }

    private void receiveReset(int sequence) {
        // RFC 5961 section 3.2: only a reset at exactly RCV.NXT resets; one elsewhere in the window is challenged.
        if (sequence != receiver.next()) {
            acks.now();
            return;
        }
        counters.resetsReceived++;
        if (state == TcpState.SYN_RECEIVED && !sender.wasActiveOpen()) {
            terminate();
        } else if (state == TcpState.TIME_WAIT || state == TcpState.LAST_ACK || state == TcpState.CLOSING) {
            terminate();
        } else {
            fail(new IOException("Connection reset by peer: " + flow));
        }
    }

    /** The ACK field (RFC 9293 section 3.10.7.4, fifth check); {@code false} if the segment is to be dropped. */
    private boolean receiveAck(TcpSegment segment) {
        int ack = segment.acknowledgmentNumber();
        if (state == TcpState.SYN_RECEIVED) {
            if (!sender.acknowledgesSyn(ack)) {
                sender.sendReset(ack);
                return false;
            }
            sender.synAcknowledged(segment, options);
            establish();
        }
        if (!sender.receiveAck(segment, options, receiver.timestamps())) {
            acks.now();
            return false;
        }
        if (sender.finAcknowledged()) {
            switch (state) {
                case FIN_WAIT_1 -> state = TcpState.FIN_WAIT_2;
                case CLOSING -> enterTimeWait();
                case LAST_ACK -> {
                    terminate();
                    return false;
                }
                default -> {
                    // No FIN of ours in the other states.
                }
            }
        }
        return true;
    }

    private void establish() {
        state = TcpState.ESTABLISHED;
        events.established();
    }

    private void receiveData(TcpSegment segment, int sequence, int length) {
        if (!state.receivesData() || peerFinished) {
            acks.now();
            return;
        }
        if (events == TcpEvents.NONE) {
            abort(); // an orphan's data
            return;
        }
        boolean finReached = receiver.data(segment, sequence, length);
        acks.data(receiver.tookInOrder());
        if (finReached) {
            receiveFin(receiver.next());
        }
    }

    private void receiveFin(int finSequence) {
        acks.now();
        if (state == TcpState.TIME_WAIT) {
            enterTimeWait(); // a retransmitted FIN: the ACK of it was lost; wait again
            return;
        }
        if (peerFinished || !receiver.fin(finSequence)) {
            return;
        }
        peerFinished = true;
        switch (state) {
            case ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> state = TcpState.CLOSING;
            case FIN_WAIT_2 -> enterTimeWait();
            default -> {
                // SYN-RECEIVED cannot get here: the segment's ACK established the connection first.
            }
        }
        events.peerFinished();
    }

    private void enterTimeWait() {
        state = TcpState.TIME_WAIT;
        sender.startTimeWait();
    }

    // ---- the user's side

    /** Queues {@code data} to send; its bytes are this connection's from now on. */
    public void send(ByteBuf data) {
        sender.queue(data);
    }

    /** Sends what the windows allow, then the ACK if one is still owed. */
    public void flushOutput() {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (!sender.transmit(state)) {
            if (!acks.due()) {
                return;
            }
            sender.sendAck();
        }
        acks.sent();
    }

    /** This side finished sending: a FIN follows the data queued (RFC 9293 section 3.10.4). */
    public void shutdownOutput() {
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.FIN_WAIT_1;
            case CLOSE_WAIT -> state = TcpState.LAST_ACK;
            case SYN_SENT -> {
                terminate();
                return;
            }
            default -> {
                return;
            }
        }
        sender.queueFin();
        flushOutput();
    }

    /** Resets the connection: a RST goes out, and it is gone (RFC 9293 section 3.10.5). */
    public void abort() {
        if (state.isSynchronized() || state == TcpState.SYN_RECEIVED) {
            counters.resetsSent++;
            sender.sendReset(sender.sendNext());
        }
        terminate();
    }

    /** The user consumed some of what was delivered: the window opens, and the peer hears of it if it grew a lot. */
    public void windowOpened() {
        if (state.receivesData() && receiver.windowWorthUpdating(sender.maximumSegmentSize())) {
            acks.now();
            flushOutput();
        }
    }

    // ---- for the sender

    TcpReceiver receiver() {
        return receiver;
    }

    /** {@return the two ends of the connection} */
    public TcpFlow flow() {
        return flow;
    }

    TcpEvents events() {
        return events;
    }

    /** Sets who hears of this connection from now on: the channel, once the handshake made one. */
    public void events(TcpEvents user) {
        events = user;
    }

    /**
     * The user closed the channel: the connection finishes on its own, and data that still arrives resets it, as
     * Linux resets an orphaned socket that receives data.
     */
    public void orphan() {
        events = TcpEvents.NONE;
    }

    /**
     * Applies the user's settings: the receive buffer bounds the window from now on (its scale was fixed by the
     * SYN), the send buffer how much waits unacknowledged.
     *
     * @param receiveBuffer SO_RCVBUF
     * @param sendBuffer    SO_SNDBUF
     * @param noDelay       TCP_NODELAY
     */
    public void configure(int receiveBuffer, int sendBuffer, boolean noDelay) {
        receiver.bufferSize(receiveBuffer);
        sender.configure(sendBuffer, noDelay);
    }

    /** Sets SO_KEEPALIVE and TCP_KEEPIDLE, TCP_KEEPINTVL (seconds) and TCP_KEEPCNT (RFC 1122 section 4.2.3.6). */
    public void keepalive(boolean on, int idleSeconds, int intervalSeconds, int probes) {
        keepalive.configure(on, idleSeconds, intervalSeconds, probes);
    }

    /** The sender gave up: too many retransmissions without an answer. */
    void timedOut() {
        fail(new SocketTimeoutException("Connection timed out: " + flow));
    }

    void fail(IOException cause) {
        if (state == TcpState.CLOSED) {
            return;
        }
        state = TcpState.CLOSED;
        release();
        events.failed(cause);
        link.closed(this);
    }

    /** Gone without fault: both sides finished, or TIME-WAIT ran out. */
    void terminate() {
        if (state == TcpState.CLOSED) {
            return;
        }
        state = TcpState.CLOSED;
        release();
        events.terminated();
        link.closed(this);
    }

    private void release() {
        acks.cancel();
        keepalive.cancel();
        sender.release();
        receiver.release();
    }

    /** {@return the connection's state} */
    public TcpState state() {
        return state;
    }

    /** {@return the sending half, for its figures} */
    public TcpSender sender() {
        return sender;
    }

    /** {@return this connection's counters} */
    public TcpCounters counters() {
        return counters;
    }

    @Override
    public String toString() {
        return "TCP " + flow + " " + state;
    }
}
