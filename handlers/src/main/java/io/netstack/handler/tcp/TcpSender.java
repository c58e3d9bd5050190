package io.netstack.handler.tcp;

import io.netstack.wire.Ipv4Header;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.TcpSegments;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.ScheduledFuture;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrAfter;
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
    private static final int DUPLICATE_ACK_THRESHOLD = 3;

    private final TcpConnection connection;
    private final TcpLink link;
    private final TcpCounters counters;
    private final SendBuffer buffer = new SendBuffer();
    private final RetransmissionTimeout timeout = new RetransmissionTimeout();
    private final CongestionControl congestion;
    private final Runnable timerTask = this::timerExpired;
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
    private int duplicateAcks;
    private boolean inRecovery;
    private int recover;
    private boolean timing;
    private int timedSequence;
    private long timedAtMillis;
    private int retries;

    private ScheduledFuture<?> timer;
    private long timerAtMillis;
    private long retransmitAtMillis;
    private long timeWaitAtMillis;

    TcpSender(TcpConnection connection, TcpLink link, TcpSettings settings, TcpCounters counters,
              int initialSequence) {
        this.connection = connection;
        this.link = link;
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
        recover = initialSequence;
    }

    // ---- the handshake

    void sendSyn(boolean ack) {
        activeOpen |= !ack;
        boolean sack = !ack || connection.sackPermitted();
        boolean timestamps = !ack || connection.timestamps();
        // A SYN-ACK carries Window Scale only if the SYN did (RFC 7323 section 1.3).
        int shift = !ack || peerOfferedScaling ? connection.receiveWindowShift() : -1;
        int optionsLength = TcpOptions.synOptionsLength(sack, timestamps, shift >= 0);
        int flags = TcpSegment.SYN | (ack ? TcpSegment.ACK : 0);
        ByteBuf packet = TcpSegments.start(link.alloc(), connection.flow().ip(), connection.flow().localPort(),
                connection.flow().remotePort(), initialSequence, ack ? connection.receiveNext() : 0, flags,
                Math.min(connection.receiveWindow(), 0xffff), optionsLength, 0);
        TcpOptions.writeSynOptions(packet, ownMss, sack, timestamps, (int) link.nowMillis(),
                ack ? connection.recentTimestamp() : 0, shift);
        transmit(packet);
        next = initialSequence + 1;
        highestSent = next;
        armRetransmission();
    }

    boolean wasActiveOpen() {
        return activeOpen;
    }

    void takePeerSyn(TcpSegment syn, TcpOptions options, int peerShift) {
        peerOfferedScaling = options.windowScale() >= 0;
        windowShift = peerShift;
        window = syn.window(); // never scaled in a SYN (RFC 7323 section 2.2)
        windowUpdateSequence = syn.sequenceNumber();
        windowUpdateAck = syn.acknowledgmentNumber();
        int peerMss = options.maximumSegmentSize();
        if (peerMss <= 0) {
            peerMss = connection.flow().ip() instanceof Ipv4Header ? DEFAULT_MSS_IPV4 : DEFAULT_MSS_IPV6;
        }
        // RFC 9293 section 3.7.1: the MSS counts no options; those of every segment come off it.
        mss = Math.min(peerMss, ownMss) - (options.hasTimestamps() ? TcpOptions.TIMESTAMPS_LENGTH : 0);
    }

    boolean acknowledgesSyn(int ack) {
        return ack == initialSequence + 1;
    }

    void synAcknowledged(TcpSegment segment, TcpOptions options) {
        unacknowledged = initialSequence + 1;
        if (!inRecoveryOfSyn()) {
            sampleRtt(options, connection.timestamps());
        }
        retries = 0;
        congestion.start(mss);
        window = segment.window() << ((segment.flags() & TcpSegment.SYN) != 0 ? 0 : windowShift);
        windowUpdateSequence = segment.sequenceNumber();
        windowUpdateAck = segment.acknowledgmentNumber();
        retransmitAtMillis = 0;
    }

    private boolean inRecoveryOfSyn() {
        return retries > 0;
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
            duplicateAck();
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
        sampleRtt(options, timestamps);
        retries = 0;
        duplicateAcks = 0;
        if (inRecovery) {
            if (atOrAfter(ack, recover)) {
                inRecovery = false;
                congestion.onRecoveryEnd(highestSent - unacknowledged);
            } else {
                congestion.onPartialAck(acked);
                retransmitFirst();
            }
        } else {
            congestion.onAck(acked, link.nowMillis(), timeout.smoothedRttMillis());
        }
        if (unacknowledged == highestSent) {
            retransmitAtMillis = 0;
        } else {
            retransmitAtMillis = link.nowMillis() + timeout.timeoutMillis();
            armTimer(retransmitAtMillis);
        }
        if (dataAcked > 0) {
            connection.events().sendSpaceFreed();
        }
    }

    /** An RTT sample from the echoed timestamp (RFC 7323 section 4.2), or from the one segment timed (Karn). */
    private void sampleRtt(TcpOptions options, boolean timestamps) {
        long now = link.nowMillis();
        if (timestamps && options.hasTimestamps() && options.timestampEchoReply() != 0) {
            // TSval is this clock's low 32 bits: the difference is right across its wrap.
            timeout.sample((int) now - options.timestampEchoReply());
        } else if (timing && after(unacknowledged, timedSequence)) {
            timing = false;
            timeout.sample(now - timedAtMillis);
        }
    }

    private void duplicateAck() {
        duplicateAcks++;
        if (inRecovery) {
            congestion.onDuplicateAckInRecovery();
        } else if (duplicateAcks == DUPLICATE_ACK_THRESHOLD && after(unacknowledged, recover)) {
            // RFC 6582 section 3.2, step 2: a recovery starts only past the last one's point.
            inRecovery = true;
            recover = highestSent;
            congestion.onFastRetransmit(highestSent - unacknowledged, link.nowMillis());
            counters.fastRetransmits++;
            retransmitFirst();
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
            finSequence = unacknowledged + buffer.size();
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
        timing = false;
        sendSegment(unacknowledged, length, fin);
    }

    void sendAck() {
        sendSegment(next, 0, false);
    }

    void sendReset(int sequence) {
        ByteBuf packet = TcpSegments.start(link.alloc(), connection.flow().ip(), connection.flow().localPort(),
                connection.flow().remotePort(), sequence, 0, TcpSegment.RST, 0, 0, 0);
        transmit(packet);
    }

    private void sendSegment(int sequence, int length, boolean fin) {
        boolean timestamps = connection.timestamps();
        int sackBlocks = connection.sackBlocks(timestamps ? 3 : TcpOptions.MAX_SACK_BLOCKS);
        int optionsLength = (timestamps ? TcpOptions.TIMESTAMPS_LENGTH : 0) + TcpOptions.sackLength(sackBlocks);
        int flags = TcpSegment.ACK | (fin ? TcpSegment.FIN : 0)
                | (length > 0 && sequence + length == unacknowledged + buffer.size() ? TcpSegment.PSH : 0);
        ByteBuf packet = TcpSegments.start(link.alloc(), connection.flow().ip(), connection.flow().localPort(),
                connection.flow().remotePort(), sequence, connection.receiveNext(), flags, connection.windowField(),
                optionsLength, length);
        long now = link.nowMillis();
        if (timestamps) {
            TcpOptions.writeTimestamps(packet, (int) now, connection.recentTimestamp());
        }
        if (sackBlocks > 0) {
            TcpOptions.writeSackBlocks(packet, connection.sackEdges(), sackBlocks);
        }
        if (length > 0) {
            buffer.copy(sequence - unacknowledged, length, packet);
            if (!timing && !before(sequence, highestSent)) {
                timing = true;
                timedSequence = sequence;
                timedAtMillis = now;
            }
        }
        transmit(packet);
    }

    private void transmit(ByteBuf packet) {
        TcpSegments.finish(packet, connection.flow().ip());
        counters.segmentsSent++;
        link.send(packet);
    }

    // ---- timers

    private void armRetransmission() {
        if (retransmitAtMillis == 0) {
            retransmitAtMillis = link.nowMillis() + timeout.timeoutMillis();
            armTimer(retransmitAtMillis);
        }
    }

    void startTimeWait() {
        retransmitAtMillis = 0;
        timeWaitAtMillis = link.nowMillis() + timeWaitMillis;
        armTimer(timeWaitAtMillis);
    }

    /** One scheduled task per connection, moved only when a deadline comes before it: no task per segment. */
    private void armTimer(long atMillis) {
        if (timer != null && timerAtMillis <= atMillis) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAtMillis = atMillis;
        timer = link.schedule(timerTask, Math.max(atMillis - link.nowMillis(), 0));
    }

    private void timerExpired() {
        timer = null;
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
            armTimer(nextDeadline);
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
        timing = false;
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
        inRecovery = false;
        duplicateAcks = 0;
        recover = highestSent;
        next = unacknowledged; // go back: resend from the first unacknowledged byte as the window allows
        armRetransmission();
    }

    void release() {
        buffer.clear();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
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

    /** {@return the retransmission timeout estimator} */
    public RetransmissionTimeout retransmissionTimeout() {
        return timeout;
    }

    /** {@return the peer's window in bytes} */
    public int peerWindow() {
        return window;
    }

    void noDelay(boolean value) {
        noDelay = value;
    }

    void sendBufferSize(int value) {
        sendBufferSize = value;
    }
}
