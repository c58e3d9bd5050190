package io.netstack.handler.tcp;

import io.netstack.wire.Ipv4Header;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrBefore;
import static io.netstack.handler.tcp.SequenceNumbers.before;
import static io.netstack.handler.tcp.SequenceNumbers.latest;

/**
 * The sending half of a {@link TcpConnection}: the send buffer and sequence space (SND.UNA, SND.NXT, the highest sent),
 * the peer's window, segments built with their options, the retransmission timer of RFC 6298 with Karn's rule,
 * fast retransmit and NewReno's recovery (RFC 5681, RFC 6582) under a pluggable {@link CongestionControl}, Nagle's
 * algorithm, zero-window probes and TIME-WAIT's timer.
 */
public final class TcpSender {
    /** Linux's {@code tcp_synack_retries} and {@code tcp_syn_retries}: SYNs sent again before giving up. */
    static final int MAX_SYN_RETRIES = 5;
    /** Linux's {@code tcp_retries2}: retransmissions of data before the connection times out. */
    static final int MAX_RETRIES = 15;
    /** RFC 9293 section 3.7.1: the MSS to assume when a SYN has none, IPv4's; IPv6's is 1220 (RFC 8200). */
    private static final int DEFAULT_MSS_IPV4 = 536;
    private static final int DEFAULT_MSS_IPV6 = 1220;

    private final TcpConnection connection;
    private final TcpLink link;
    private final SegmentWriter writer;
    private final TcpCounters counters;
    private final SendBuffer buffer = new SendBuffer();
    private final RetransmissionTimeout timeout = new RetransmissionTimeout();
    private final CongestionControl congestion;
    private final LossRecovery recovery;
    private final TcpTimer timer;
    private final int initialSequence;
    private final int ownMss;
    private final long timeWaitMillis;
    private int sendBufferSize;
    private boolean noDelay;

    private int unacknowledged;
    private int next;
    private int highestSent;
    private int window;
    private int windowShift;
    private int windowUpdateSequence;
    private int windowUpdateAck;
    private int mss;
    private boolean activeOpen;
    private boolean peerOfferedScaling;
    private boolean finQueued;
    private int finSequence;
    private int retries;

    private long retransmitAtMillis;
    private long timeWaitAtMillis;

    TcpSender(TcpConnection connection, TcpLink link, TcpSettings settings, TcpCounters counters,
              int initialSequence) {
        this.connection = connection;
        this.link = link;
        this.writer = new SegmentWriter(link, connection.flow(), connection.receiver(), counters);
        this.timer = new TcpTimer(link, this::timerExpired);
        this.counters = counters;
        this.initialSequence = initialSequence;
        this.ownMss = settings.maximumSegmentSize();
        this.timeWaitMillis = settings.timeWaitMillis();
        this.sendBufferSize = settings.sendBufferSize();
        this.noDelay = settings.noDelay();
        this.congestion = settings.congestionControl().get();
        unacknowledged = initialSequence;
        next = initialSequence;
        highestSent = initialSequence;
        recovery = new LossRecovery(congestion, initialSequence);
    }

    // ---- the handshake

    void sendSyn(boolean ack) {
        activeOpen |= !ack;
        writer.syn(initialSequence, ack, ownMss, peerOfferedScaling);
        next = initialSequence + 1;
        highestSent = next;
        armRetransmission();
    }

    boolean wasActiveOpen() {
        return activeOpen;
    }

    void takePeerSyn(TcpSegment syn, TcpOptions options) {
        peerOfferedScaling = options.windowScale() >= 0;
        // This host offers scaling in every SYN it sends: the peer's shift applies whenever it offered one.
        windowShift = Math.max(options.windowScale(), 0);
        window = syn.window(); // never scaled in a SYN (RFC 7323 section 2.2)
        windowUpdateSequence = syn.sequenceNumber();
        windowUpdateAck = syn.acknowledgmentNumber();
        int peerMss = options.maximumSegmentSize();
        if (peerMss <= 0) {
            peerMss = connection.flow().ip() instanceof Ipv4Header ? DEFAULT_MSS_IPV4 : DEFAULT_MSS_IPV6;
        }
        // It counts no options (RFC 9293 section 3.7.1); Linux's floor of 48 (tcp_min_snd_mss) leaves room for data.
        mss = Math.min(Math.max(peerMss, 48), ownMss) - (options.hasTimestamps() ? TcpOptions.TIMESTAMPS_LENGTH : 0);
    }

    boolean acknowledgesSyn(int ack) {
        return ack == initialSequence + 1;
    }

    void synAcknowledged(TcpSegment segment, TcpOptions options) {
        unacknowledged = initialSequence + 1;
        timeout.acknowledged(unacknowledged, link.nowMillis(), options, connection.receiver().timestamps());
        retries = 0;
        congestion.start(mss);
        window = segment.window() << ((segment.flags() & TcpSegment.SYN) != 0 ? 0 : windowShift);
        windowUpdateSequence = segment.sequenceNumber();
        windowUpdateAck = segment.acknowledgmentNumber();
        retransmitAtMillis = 0;
    }

    // ---- acknowledgments

    /**
     * The ACK field of a segment in a synchronized state; {@code false} if it acknowledges what was never sent.
     */
    boolean receiveAck(TcpSegment segment, TcpOptions options, boolean timestamps) {
        int ack = segment.acknowledgmentNumber();
        if (after(ack, highestSent)) {
            return false;
        }
        if (before(ack, unacknowledged)) {
            return true; // an old duplicate
        }
        boolean windowChanged = updateWindow(segment, ack);
        if (after(ack, unacknowledged)) {
            acknowledge(ack, options, timestamps);
        } else if (segment.payloadLength() == 0 && !windowChanged && highestSent != unacknowledged
                && (segment.flags() & (TcpSegment.SYN | TcpSegment.FIN)) == 0) {
            if (recovery.duplicateAck(unacknowledged, highestSent, link.nowMillis())) {
                counters.fastRetransmits++;
                retransmitFirst();
            }
        }
        return true;
    }

    private boolean updateWindow(TcpSegment segment, int ack) {
        int sequence = segment.sequenceNumber();
        if (before(windowUpdateSequence, sequence)
                || windowUpdateSequence == sequence && atOrBefore(windowUpdateAck, ack)) {
            int updated = segment.window() << windowShift;
            boolean changed = updated != window;
            window = updated;
            windowUpdateSequence = sequence;
            windowUpdateAck = ack;
            return changed;
        }
        return false;
    }

    private void acknowledge(int ack, TcpOptions options, boolean timestamps) {
        int acked = ack - unacknowledged;
        int dataAcked = Math.min(acked, buffer.size());
        buffer.acknowledge(dataAcked);
        unacknowledged = ack;
        if (before(next, unacknowledged)) {
            next = unacknowledged;
        }
        timeout.acknowledged(ack, link.nowMillis(), options, timestamps);
        retries = 0;
        if (recovery.newAck(ack, acked, highestSent - unacknowledged, link.nowMillis(),
                timeout.smoothedRttMillis())) {
            retransmitFirst();
        }
        if (unacknowledged == highestSent) {
            retransmitAtMillis = 0;
        } else {
            retransmitAtMillis = link.nowMillis() + timeout.timeoutMillis();
            timer.arm(retransmitAtMillis);
        }
        if (dataAcked > 0) {
            connection.events().sendSpaceFreed();
        }
    }

    boolean finAcknowledged() {
        return finQueued && unacknowledged == finSequence + 1;
    }

    // ---- sending

    void queue(ByteBuf data) {
        counters.bytesSent += data.readableBytes();
        buffer.add(data);
    }

    void queueFin() {
        if (!finQueued) {
            finQueued = true;
            // After the SYN and the data: a close in SYN-RECEIVED comes before the SYN is acknowledged.
            finSequence = latest(unacknowledged, initialSequence + 1) + buffer.size();
        }
    }

    int buffered() {
        return buffer.size();
    }

    /** {@return whether the send buffer has room for more: its size less what it holds} */
    public int sendBufferRoom() {
        return Math.max(sendBufferSize - buffer.size(), 0);
    }

    int sendNext() {
        return next;
    }

    /**
     * Sends what the peer's and the congestion window allow, FIN included when it is due.
     *
     * @return whether a segment went out, carrying the ACK the caller owed
     */
    boolean transmit(TcpState state) {
        if (!state.isSynchronized() || state == TcpState.TIME_WAIT) {
            return false;
        }
        boolean sent = false;
        while (true) {
            int inFlight = next - unacknowledged;
            int unsent = finSent() ? 0 : buffer.size() - inFlight;
            if (unsent > 0) {
                int usable = Math.min(congestion.window(), window) - inFlight;
                int length = Math.min(unsent, mss);
                if (usable < length) {
                    if (window == 0 && inFlight == 0) {
                        armRetransmission(); // the persist timer: a probe when it expires
                        break;
                    }
                    // Sender-side silly window avoidance (RFC 9293 section 3.8.6.2.1).
                    if (usable < mss && inFlight > 0 || usable <= 0) {
                        break;
                    }
                    length = usable;
                }
                if (!noDelay && length < mss && inFlight > 0 && !finQueued) {
                    break; // Nagle: a small segment waits while data is unacknowledged
                }
                boolean fin = finQueued && length == unsent;
                sendSegment(next, length, fin);
                next += length + (fin ? 1 : 0);
                sent = true;
            } else if (finQueued && !finSent()) {
                sendSegment(next, 0, true);
                next++;
                sent = true;
            } else {
                break;
            }
            highestSent = latest(highestSent, next);
            armRetransmission();
        }
        return sent;
    }

    private boolean finSent() {
        return finQueued && after(next, finSequence);
    }

    /** Sends the segment at SND.UNA again: fast retransmit, or a partial ACK in a recovery. */
    private void retransmitFirst() {
        int outstandingData = Math.min(highestSent - unacknowledged, buffer.size());
        int length = Math.min(outstandingData, mss);
        boolean fin = finQueued && unacknowledged + length == finSequence && after(highestSent, finSequence);
        counters.retransmissions++;
        timeout.retransmitted();
        sendSegment(unacknowledged, length, fin);
    }

    void sendAck() {
        sendSegment(next, 0, false);
    }

    /** A probe the peer answers with an ACK: no data, one below SND.UNA, so an old duplicate to it. */
    void sendKeepaliveProbe() {
        writer.segment(unacknowledged - 1, 0, buffer, 0, 0);
    }

    void sendReset(int sequence) {
        writer.reset(sequence);
    }

    private void sendSegment(int sequence, int length, boolean fin) {
        int flags = (fin ? TcpSegment.FIN : 0)
                | (length > 0 && sequence + length == unacknowledged + buffer.size() ? TcpSegment.PSH : 0);
        if (length > 0 && !before(sequence, highestSent)) {
            timeout.timeSegment(sequence, link.nowMillis());
        }
        writer.segment(sequence, flags, buffer, sequence - unacknowledged, length);
    }

    // ---- timers

    private void armRetransmission() {
        if (retransmitAtMillis == 0) {
            retransmitAtMillis = link.nowMillis() + timeout.timeoutMillis();
            timer.arm(retransmitAtMillis);
        }
    }

    void startTimeWait() {
        retransmitAtMillis = 0;
        timeWaitAtMillis = link.nowMillis() + timeWaitMillis;
        timer.arm(timeWaitAtMillis);
    }

    private void timerExpired() {
        long now = link.nowMillis();
        if (timeWaitAtMillis != 0 && now >= timeWaitAtMillis) {
            connection.terminate();
            return;
        }
        if (retransmitAtMillis != 0 && now >= retransmitAtMillis) {
            retransmitAtMillis = 0;
            retransmissionTimerExpired();
            connection.flushOutput();
        }
        long nextDeadline = retransmitAtMillis != 0 ? retransmitAtMillis : timeWaitAtMillis;
        if (nextDeadline != 0 && connection.state() != TcpState.CLOSED) {
            timer.arm(nextDeadline);
        }
    }

    private void retransmissionTimerExpired() {
        TcpState state = connection.state();
        boolean synState = state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED;
        if (++retries > (synState ? MAX_SYN_RETRIES : MAX_RETRIES)) {
            if (state == TcpState.SYN_RECEIVED && !activeOpen) {
                connection.terminate();
            } else {
                connection.timedOut();
            }
            return;
        }
        counters.timeouts++;
        timeout.backOff();
        timeout.retransmitted();
        if (synState) {
            counters.retransmissions++;
            sendSyn(state == TcpState.SYN_RECEIVED);
            return;
        }
        if (window == 0 && highestSent == unacknowledged && buffer.size() > 0) {
            // A zero-window probe: one byte past the window, which the peer answers with its window.
            sendSegment(next, 1, false);
            next++;
            highestSent = latest(highestSent, next);
            armRetransmission();
            return;
        }
        if (highestSent == unacknowledged) {
            return;
        }
        counters.retransmissions++;
        if (window > 0) {
            congestion.onTimeout(highestSent - unacknowledged, link.nowMillis());
        }
        recovery.timedOut(highestSent);
        next = unacknowledged; // go back: resend from the first unacknowledged byte as the window allows
        armRetransmission();
    }

    void release() {
        buffer.clear();
        timer.cancel();
    }

    // ---- figures

    /** {@return the maximum segment size in use: the payload of a full segment} */
    public int maximumSegmentSize() {
        return mss;
    }

    /** {@return the congestion controller} */
    public CongestionControl congestionControl() {
        return congestion;
    }

    /** {@return the peer's window in bytes} */
    public int peerWindow() {
        return window;
    }

    void configure(int sendBuffer, boolean nagleOff) {
        sendBufferSize = sendBuffer;
        noDelay = nagleOff;
    }
}
