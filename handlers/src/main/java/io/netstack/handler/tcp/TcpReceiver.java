package io.netstack.handler.tcp;

import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;

import java.util.function.Consumer;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrBefore;
import static io.netstack.handler.tcp.SequenceNumbers.before;
import static io.netstack.handler.tcp.SequenceNumbers.within;

/**
 * The receiving half of a {@link TcpConnection}: RCV.NXT and the window advertised, the acceptability test, PAWS and
 * TS.Recent (RFC 7323), data delivered in order and held when it comes early, with the SACK blocks of what is held.
 */
final class TcpReceiver {
    private final OutOfOrderQueue outOfOrder = new OutOfOrderQueue();
    private final int[] sackEdges = new int[2 * TcpOptions.MAX_SACK_BLOCKS];
    private final TcpCounters counters;
    private final Consumer<ByteBuf> deliver;
    /** The bytes the user holds unread: the window leaves them out. */
    private final UnreadBytes unread;

    /** RCV.NXT: the next sequence number expected. */
    private int next;
    /** The right edge of the window last advertised, which is never moved left (RFC 9293 section 3.8.6). */
    private int advertisedEdge;
    private int bufferSize;
    private int windowShift;
    private boolean timestamps;
    private boolean sackPermitted;
    /** TS.Recent of RFC 7323 section 4.3: the peer's TSval to echo. */
    private int recentTimestamp;
    /** The sequence number of the peer's FIN when it came ahead of data still missing; -1 otherwise. */
    private long earlyFin = -1;
    /** Whether the last segment's data continued RCV.NXT with nothing held early: no gap before or after it. */
    private boolean tookInOrder;

    /** What the user holds delivered and not consumed. */
    interface UnreadBytes {
        int unreadBytes();
    }

    TcpReceiver(int bufferSize, TcpCounters counters, Consumer<ByteBuf> deliver, UnreadBytes unread) {
        this.bufferSize = bufferSize;
        this.windowShift = TcpSettings.windowShiftFor(bufferSize);
        this.counters = counters;
        this.deliver = deliver;
        this.unread = unread;
    }

    /** Takes the peer's SYN: its sequence number, and the options both sides then use (RFC 7323, RFC 2018). */
    void synchronize(TcpSegment syn, TcpOptions options) {
        if (options.windowScale() < 0) {
            windowShift = 0;
        }
        timestamps = options.hasTimestamps();
        sackPermitted = options.sackPermitted();
        recentTimestamp = options.timestampValue();
        next = syn.sequenceNumber() + 1;
        advertisedEdge = next + Math.min(window(), 0xffff);
    }

    /** The acceptability test of RFC 9293 section 3.10.7.4, on the window this host advertised. */
    boolean isAcceptable(int sequence, int length) {
        int window = advertisedEdge - next;
        if (length == 0) {
            return sequence == next || window > 0 && within(sequence, next, next + window);
        }
        return window > 0 && (within(sequence, next, next + window)
                || within(sequence + length - 1, next, next + window));
    }

    /** PAWS (RFC 7323 section 5.3): a segment whose TSval is older than TS.Recent is an old duplicate. */
    boolean failsPaws(TcpOptions options, int flags) {
        return timestamps && options.hasTimestamps() && (flags & TcpSegment.RST) == 0
                && before(options.timestampValue(), recentTimestamp);
    }

    /** Keeps the TSval to echo, from a segment that starts at or before RCV.NXT (RFC 7323 section 4.3). */
    void updateRecentTimestamp(TcpOptions options, int sequence) {
        if (timestamps && options.hasTimestamps() && atOrBefore(sequence, next)) {
            recentTimestamp = options.timestampValue();
        }
    }

    /**
     * Takes a segment's data: what continues RCV.NXT is delivered, with what was held and now follows it; what comes
     * early is held; what is old or beyond the window is cut off.
     *
     * @return whether a FIN that came early is now in order
     */
    boolean data(TcpSegment segment, int sequence, int length) {
        int offset = segment.payloadOffset();
        int start = sequence;
        int end = sequence + length;
        if (before(start, next)) {
            offset += next - start;
            start = next;
        }
        if (after(end, advertisedEdge)) {
            end = advertisedEdge;
        }
        tookInOrder = false;
        if (!before(start, end)) {
            return false;
        }
        ByteBuf data = segment.buffer().retainedSlice(offset, end - start);
        if (start != next) {
            counters.segmentsOutOfOrder++;
            outOfOrder.add(start, data);
            return false;
        }
        next = end;
        deliver(data);
        tookInOrder = outOfOrder.isEmpty();
        if (!tookInOrder) {
            next = outOfOrder.takeInOrder(next, this::deliver);
        }
        return earlyFin >= 0 && next == (int) earlyFin;
    }

    private void deliver(ByteBuf data) {
        counters.bytesReceived += data.readableBytes();
        deliver.accept(data);
    }

    /**
     * The peer's FIN at {@code finSequence}.
     *
     * @return whether it is in order, RCV.NXT now past it; one that came early is kept for later
     */
    boolean fin(int finSequence) {
        if (finSequence != next) {
            earlyFin = Integer.toUnsignedLong(finSequence);
            return false;
        }
        next++;
        earlyFin = -1;
        return true;
    }

    /** {@return the window to advertise now, before scaling: the receive buffer less what waits to be read} */
    int window() {
        return Math.max(bufferSize - unread.unreadBytes(), 0);
    }

    /** {@return the window field of a segment sent now, which never moves the advertised right edge left} */
    int windowField() {
        int edge = next + window();
        if (after(edge, advertisedEdge)) {
            advertisedEdge = edge;
        }
        return Math.min((advertisedEdge - next) >>> windowShift, 0xffff);
    }

    /** {@return whether the window grew enough since last advertised to tell the peer (RFC 9293 section 3.8.6.2.2)} */
    boolean windowWorthUpdating(int mss) {
        return next + window() - advertisedEdge >= Math.min(bufferSize / 2, 2 * mss);
    }

    /** {@return the SACK blocks to send, written into {@link #sackEdges()}} */
    int sackBlocks(int max) {
        return sackPermitted && !outOfOrder.isEmpty() ? outOfOrder.sackBlocks(sackEdges, max) : 0;
    }

    int[] sackEdges() {
        return sackEdges;
    }

    int next() {
        return next;
    }

    /** {@return whether the last data continued RCV.NXT with nothing held early, so that its ACK may wait} */
    boolean tookInOrder() {
        return tookInOrder;
    }

    int windowShift() {
        return windowShift;
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

    void bufferSize(int bytes) {
        bufferSize = bytes;
    }

    void release() {
        outOfOrder.clear();
    }
}
