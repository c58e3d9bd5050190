package io.netstack.handler.tcp;

import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrBefore;
import static io.netstack.handler.tcp.SequenceNumbers.before;
import static io.netstack.handler.tcp.SequenceNumbers.within;

/**
 * One TCP connection's state machine (RFC 9293 section 3.10): segments in through {@link #receive}, the user's
 * data and closes through {@link #send}, {@link #shutdownOutput} and {@link #abort}, segments out through its
 * {@link TcpLink}, and what the user must hear through its {@link Events}. Its sending half, with the retransmission
 * timer and congestion control, is its {@link TcpSender}.
 *
 * <p>Used from one event loop; it allocates nothing per segment but the packets it sends and the slices of received
 * data it delivers.
 */
public final class TcpConnection {
    /**
     * What a connection tells its user: the host's channel of the connection. By default nothing listens: data is
     * released, the rest ignored.
     */
    public interface Events {
        /** The handshake completed. */
        default void established() {
        }

        /**
         * In-order data arrived.
         *
         * @param data the bytes, the user's to release
         */
        default void received(ByteBuf data) {
            data.release();
        }

        /** The peer sent its FIN, after all its data. */
        default void peerFinished() {
        }

        /**
         * The connection ended abnormally: reset, refused, or timed out.
         *
         * @param cause what happened, for the user
         */
        default void failed(IOException cause) {
        }

        /** Acknowledged data freed room in the send buffer. */
        default void sendSpaceFreed() {
        }

        /** The connection is gone: both sides finished and this side's FIN was acknowledged, or it failed. */
        default void terminated() {
        }

        /** {@return the bytes delivered that the user has not consumed yet, which the receive window leaves out} */
        default int unreadBytes() {
            return 0;
        }
    }

    /** What an orphaned connection tells: nobody listens. */
    private static final Events ORPHAN_EVENTS = new Events() {
    };

    private final TcpLink link;
    private final TcpFlow flow;
    private final TcpSender sender;
    private final OutOfOrderQueue outOfOrder = new OutOfOrderQueue();
    private final TcpOptions options = new TcpOptions();
    private final int[] sackEdges = new int[2 * TcpOptions.MAX_SACK_BLOCKS];
    private Events events;
    private TcpState state;

    /** RCV.NXT: the next sequence number expected. */
    private int receiveNext;
    /** The right edge of the window last advertised, which is never moved left (RFC 9293 section 3.8.6). */
    private int advertisedEdge;
    private int receiveBufferSize;
    private int receiveWindowShift;
    private boolean timestamps;
    private boolean sackPermitted;
    /** TS.Recent of RFC 7323 section 4.3: the peer's TSval to echo. */
    private int recentTimestamp;
    private boolean ackPending;
    private boolean peerFinished;
    /** Where the peer's FIN is when it arrived ahead of data still missing; -1 otherwise. */
    private long outOfOrderFin = -1;
    private final TcpCounters counters;
    private boolean orphaned;

    TcpConnection(TcpLink link, TcpFlow flow, TcpSettings settings, TcpCounters counters, int initialSequence) {
        this.link = link;
        this.flow = flow;
        this.counters = counters;
        this.receiveBufferSize = settings.receiveBufferSize();
        this.receiveWindowShift = TcpSettings.windowShiftFor(receiveBufferSize);
        this.sender = new TcpSender(this, link, settings, counters, initialSequence);
    }

    // ---- opening

    /**
     * A passive open: {@code syn} came to a listening port; the answer is a SYN-ACK (RFC 9293 section 3.10.7.2).
     */
    void acceptSyn(TcpSegment syn, TcpOptions synOptions, Events embryo) {
        events = embryo;
        state = TcpState.SYN_RECEIVED;
        takePeerSynOptions(syn, synOptions);
        receiveNext = syn.sequenceNumber() + 1;
        advertisedEdge = receiveNext + Math.min(receiveWindow(), 0xffff);
        sender.sendSyn(true);
    }

    /** An active open: a SYN goes out (RFC 9293 section 3.10.1). */
    void connect(Events user) {
        events = user;
        state = TcpState.SYN_SENT;
        sender.sendSyn(false);
    }

    private void takePeerSynOptions(TcpSegment syn, TcpOptions synOptions) {
        // RFC 7323: scaling and timestamps only if both sides offer them; the same for SACK (RFC 2018).
        int peerShift = synOptions.windowScale();
        if (peerShift < 0) {
            receiveWindowShift = 0;
            peerShift = 0;
        }
        timestamps = synOptions.hasTimestamps();
        sackPermitted = synOptions.sackPermitted();
        if (timestamps) {
            recentTimestamp = synOptions.timestampValue();
        }
        sender.takePeerSyn(syn, synOptions, peerShift);
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
        takePeerSynOptions(segment, options);
        receiveNext = segment.sequenceNumber() + 1;
        advertisedEdge = receiveNext;
        if (ack) {
            sender.synAcknowledged(segment, options);
            establish();
            ackPending = true;
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
        if (!isAcceptable(sequence, length + ((flags & (TcpSegment.SYN | TcpSegment.FIN)) != 0 ? 1 : 0))
                || failsPaws(flags)) {
            if ((flags & TcpSegment.RST) == 0) {
                ackPending = true;
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
            ackPending = true;
            return;
        }
        if ((flags & TcpSegment.ACK) == 0 || !receiveAck(segment)) {
            return;
        }
        if (timestamps && options.hasTimestamps() && atOrBefore(sequence, receiveNext)) {
            recentTimestamp = options.timestampValue();
        }
        if (length > 0) {
            receiveData(segment, sequence, length);
        }
        if ((flags & TcpSegment.FIN) != 0) {
            receiveFin(sequence + length);
        }
    }

    /** The acceptability test of RFC 9293 section 3.10.7.4, on the window this host advertised. */
    private boolean isAcceptable(int sequence, int length) {
        int window = advertisedEdge - receiveNext;
        if (length == 0) {
            return window == 0 ? sequence == receiveNext : within(sequence, receiveNext, receiveNext + window)
                    || sequence == receiveNext;
        }
        return window > 0 && (within(sequence, receiveNext, receiveNext + window)
                || within(sequence + length - 1, receiveNext, receiveNext + window));
    }

    /** PAWS (RFC 7323 section 5.3): a segment whose TSval is older than TS.Recent is an old duplicate. */
    private boolean failsPaws(int flags) {
        return timestamps && options.hasTimestamps() && (flags & TcpSegment.RST) == 0
                && before(options.timestampValue(), recentTimestamp);
    }

    private void receiveReset(int sequence) {
        // RFC 5961 section 3.2: only a reset at exactly RCV.NXT resets; one elsewhere in the window is challenged.
        if (sequence != receiveNext) {
            ackPending = true;
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
        if (!sender.receiveAck(segment, options, timestamps)) {
            ackPending = true;
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
        advertisedEdge = receiveNext + receiveWindow();
        events.established();
    }

    private void receiveData(TcpSegment segment, int sequence, int length) {
        ackPending = true;
        if (!state.receivesData() || peerFinished) {
            return;
        }
        if (orphaned) {
            abort();
            return;
        }
        ByteBuf buf = segment.buffer();
        int offset = segment.payloadOffset();
        int start = sequence;
        int end = sequence + length;
        if (before(start, receiveNext)) {
            offset += receiveNext - start;
            start = receiveNext;
        }
        if (after(end, advertisedEdge)) {
            end = advertisedEdge;
        }
        if (!before(start, end)) {
            return;
        }
        ByteBuf data = buf.retainedSlice(offset, end - start);
        if (start == receiveNext) {
            receiveNext = end;
            deliver(data);
            if (!outOfOrder.isEmpty()) {
                receiveNext = outOfOrder.takeInOrder(receiveNext, this::deliver);
            }
            if (outOfOrderFin >= 0 && receiveNext == (int) outOfOrderFin) {
                receiveFin(receiveNext);
            }
        } else {
            counters.segmentsOutOfOrder++;
            outOfOrder.add(start, data);
        }
    }

    private void deliver(ByteBuf data) {
        counters.bytesReceived += data.readableBytes();
        events.received(data);
    }

    private void receiveFin(int finSequence) {
        ackPending = true;
        if (peerFinished || state == TcpState.TIME_WAIT) {
            if (state == TcpState.TIME_WAIT) {
                enterTimeWait(); // a retransmitted FIN: our ACK was lost; wait again
            }
            return;
        }
        if (finSequence != receiveNext) {
            outOfOrderFin = Integer.toUnsignedLong(finSequence);
            return;
        }
        receiveNext++;
        peerFinished = true;
        switch (state) {
            case ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> state = TcpState.CLOSING;
            case FIN_WAIT_2 -> enterTimeWait();
            default -> {
                // CLOSE-WAIT, CLOSING, LAST-ACK: the FIN came before, this is its retransmission.
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

    /** {@return the bytes queued and not acknowledged yet} */
    public int sendBufferedBytes() {
        return sender.buffered();
    }

    /** Sends what the windows allow, then the ACK if one is still owed. */
    public void flushOutput() {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (sender.transmit(state) || !ackPending) {
            ackPending = false;
            return;
        }
        ackPending = false;
        sender.sendAck();
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
        int window = receiveWindow();
        int grown = receiveNext + window - advertisedEdge;
        if (state.receivesData() && grown >= Math.min(receiveBufferSize / 2, 2 * sender.maximumSegmentSize())) {
            ackPending = true;
            flushOutput();
        }
    }

    // ---- for the sender

    /** {@return the window to advertise now, before scaling: the receive buffer less what waits to be read} */
    int receiveWindow() {
        return Math.max(receiveBufferSize - events.unreadBytes(), 0);
    }

    /** {@return the window field of a segment sent now, which never moves the advertised right edge left} */
    int windowField() {
        int edge = receiveNext + receiveWindow();
        if (after(edge, advertisedEdge)) {
            advertisedEdge = edge;
        }
        return Math.min((advertisedEdge - receiveNext) >>> receiveWindowShift, 0xffff);
    }

    int receiveNext() {
        return receiveNext;
    }

    int receiveWindowShift() {
        return receiveWindowShift;
    }

    boolean timestamps() {
        return timestamps;
    }

    boolean sackPermitted() {
        return sackPermitted;
    }

    int recentTimestamp() {
        return recentTimestamp;
    }

    /** {@return the SACK blocks to send, written into the returned array's first {@code 2 * count} ints} */
    int sackBlocks(int max) {
        return sackPermitted && !outOfOrder.isEmpty() ? outOfOrder.sackBlocks(sackEdges, max) : 0;
    }

    int[] sackEdges() {
        return sackEdges;
    }

    /** {@return the two ends of the connection} */
    public TcpFlow flow() {
        return flow;
    }

    Events events() {
        return events;
    }

    /** Sets who hears of this connection from now on: the channel, once the handshake made one. */
    public void events(Events user) {
        events = user;
    }

    /**
     * The user closed the channel: the connection finishes on its own, and data that still arrives resets it, as
     * Linux resets an orphaned socket that receives data.
     */
    public void orphan() {
        orphaned = true;
        events = ORPHAN_EVENTS;
    }

    /**
     * Applies the user's settings: the receive buffer bounds the window from now on (its scale was fixed by the
     * SYN), the send buffer how much waits unacknowledged, and Nagle's algorithm.
     *
     * @param receiveBuffer SO_RCVBUF
     * @param sendBuffer    SO_SNDBUF
     * @param noDelay       TCP_NODELAY
     */
    public void configure(int receiveBuffer, int sendBuffer, boolean noDelay) {
        receiveBufferSize = receiveBuffer;
        sender.sendBufferSize(sendBuffer);
        sender.noDelay(noDelay);
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
        sender.release();
        outOfOrder.clear();
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
