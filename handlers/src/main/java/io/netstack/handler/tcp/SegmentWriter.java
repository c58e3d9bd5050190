package io.netstack.handler.tcp;

import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.TcpSegments;
import io.netty.buffer.ByteBuf;

/**
 * Writes a connection's segments: the IP and TCP headers of its flow, the options both sides agreed on (timestamps,
 * SACK blocks of what the receiver holds early), the receiver's ACK and window, and data copied from the send
 * buffer; then hands each to the link.
 */
final class SegmentWriter {
    private final TcpLink link;
    private final TcpFlow flow;
    private final TcpReceiver receiver;
    private final TcpCounters counters;

    SegmentWriter(TcpLink link, TcpFlow flow, TcpReceiver receiver, TcpCounters counters) {
        this.link = link;
        this.flow = flow;
        this.receiver = receiver;
        this.counters = counters;
    }

    /**
     * A SYN, or a SYN-ACK that carries only the options the peer's SYN offered (RFC 7323 section 1.3, RFC 2018).
     *
     * @param sequence           the ISN
     * @param ack                whether it answers the peer's SYN
     * @param maximumSegmentSize the MSS this host takes
     * @param peerOfferedScaling whether the peer's SYN had Window Scale
     */
    void syn(int sequence, boolean ack, int maximumSegmentSize, boolean peerOfferedScaling) {
        boolean sack = !ack || receiver.sackPermitted();
        boolean timestamps = !ack || receiver.timestamps();
        int shift = !ack || peerOfferedScaling ? receiver.windowShift() : -1;
        ByteBuf packet = TcpSegments.start(link.alloc(), flow.ip(), flow.localPort(), flow.remotePort(), sequence,
                ack ? receiver.next() : 0, TcpSegment.SYN | (ack ? TcpSegment.ACK : 0),
                Math.min(receiver.window(), 0xffff), TcpOptions.synOptionsLength(sack, timestamps, shift >= 0), 0);
        TcpOptions.writeSynOptions(packet, maximumSegmentSize, sack, timestamps, (int) link.nowMillis(),
                ack ? receiver.recentTimestamp() : 0, shift);
        send(packet);
    }

    /** A reset at {@code sequence}, without ACK (RFC 9293 section 3.10.7.4 and 3.10.5). */
    void reset(int sequence) {
        send(TcpSegments.start(link.alloc(), flow.ip(), flow.localPort(), flow.remotePort(), sequence, 0,
                TcpSegment.RST, 0, 0, 0));
    }

    /**
     * A segment with ACK: {@code length} bytes of {@code buffer} from {@code offset}, or none.
     *
     * @param sequence the sequence number of its first byte (or of its FIN)
     * @param flags    FIN and PSH as wanted; ACK is always set
     * @param buffer   the send buffer
     * @param offset   where the data starts in it
     * @param length   the bytes of data
     */
    void segment(int sequence, int flags, SendBuffer buffer, int offset, int length) {
        boolean timestamps = receiver.timestamps();
        int sackBlocks = receiver.sackBlocks(timestamps ? TcpOptions.MAX_SACK_BLOCKS - 1 : TcpOptions.MAX_SACK_BLOCKS);
        int optionsLength = (timestamps ? TcpOptions.TIMESTAMPS_LENGTH : 0) + TcpOptions.sackLength(sackBlocks);
        ByteBuf packet = TcpSegments.start(link.alloc(), flow.ip(), flow.localPort(), flow.remotePort(), sequence,
                receiver.next(), TcpSegment.ACK | flags, receiver.windowField(), optionsLength, length);
        if (timestamps) {
            TcpOptions.writeTimestamps(packet, (int) link.nowMillis(), receiver.recentTimestamp());
        }
        if (sackBlocks > 0) {
            TcpOptions.writeSackBlocks(packet, receiver.sackEdges(), sackBlocks);
        }
        if (length > 0) {
            buffer.copy(offset, length, packet);
        }
        send(packet);
    }

    private void send(ByteBuf packet) {
        TcpSegments.finish(packet, flow.ip());
        counters.segmentsSent++;
        link.send(packet);
    }
}
