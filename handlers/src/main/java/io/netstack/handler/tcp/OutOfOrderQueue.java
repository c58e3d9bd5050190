package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.function.Consumer;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrBefore;
import static io.netstack.handler.tcp.SequenceNumbers.before;

/**
 * Segments received beyond RCV.NXT, kept until the gap before them is filled, at most {@link #MAX_SEGMENTS}: what
 * comes beyond that is dropped and counted, as the peer will send it again. They also make the SACK blocks this host
 * sends (RFC 2018 section 4): the block holding the segment received last first, then the others.
 */
final class OutOfOrderQueue {
    /** The most segments held; their bytes are bounded by the receive window too. */
    static final int MAX_SEGMENTS = 256;

    /** Sorted by sequence number, none overlapping another. */
    private final ArrayList<Segment> segments = new ArrayList<>();
    private int lastReceived;
    private long dropped;

    private record Segment(int sequence, ByteBuf data) {
        int end() {
            return sequence + data.readableBytes();
        }
    }

    /** {@return whether nothing is held} */
    boolean isEmpty() {
        return segments.isEmpty();
    }

    /** {@return the segments dropped because the queue was full} */
    long dropped() {
        return dropped;
    }

    /**
     * Keeps {@code data}, received at {@code sequence}, past RCV.NXT; the bytes already held are cut off it.
     *
     * @param sequence the sequence number of its first byte
     * @param data     the bytes, owned by this queue from now on
     */
    void add(int sequence, ByteBuf data) {
        int start = sequence;
        int index = 0;
        while (index < segments.size() && atOrBefore(segments.get(index).end(), start)) {
            index++;
        }
        // Cut what the segments at and after index already hold, front and back.
        if (index < segments.size() && atOrBefore(segments.get(index).sequence(), start)) {
            int held = segments.get(index).end() - start;
            if (held >= data.readableBytes()) {
                data.release();
                lastReceived = start;
                return;
            }
            data.skipBytes(held);
            start += held;
            index++;
        }
        if (index < segments.size()) {
            int room = segments.get(index).sequence() - start;
            if (room < data.readableBytes()) {
                data.writerIndex(data.readerIndex() + room);
            }
        }
        if (segments.size() >= MAX_SEGMENTS || !data.isReadable()) {
            data.release();
            dropped += segments.size() >= MAX_SEGMENTS ? 1 : 0;
            return;
        }
        segments.add(index, new Segment(start, data));
        lastReceived = start;
    }

    /**
     * Hands the segments that now continue at {@code next} to {@code deliver}, in order, trimmed of what came before.
     *
     * @param next    RCV.NXT
     * @param deliver takes each buffer
     * @return RCV.NXT after them
     */
    int takeInOrder(int next, Consumer<ByteBuf> deliver) {
        int at = next;
        while (!segments.isEmpty() && atOrBefore(segments.getFirst().sequence(), at)) {
            Segment first = segments.removeFirst();
            int end = first.end(); // before the skip below, which shortens the data it counts
            if (after(end, at)) {
                first.data().skipBytes(at - first.sequence());
                at = end;
                deliver.accept(first.data());
            } else {
                first.data().release();
            }
        }
        return at;
    }

    /**
     * Writes the SACK blocks of what is held into {@code edges}, two ints per block, the block with the segment
     * received last first.
     *
     * @param edges  where the edges go
     * @param blocks the most blocks to write
     * @return the blocks written
     */
    int sackBlocks(int[] edges, int blocks) {
        int written = 0;
        for (int i = 0; i < segments.size() && written < blocks; ) {
            int left = segments.get(i).sequence();
            int right = segments.get(i).end();
            int j = i + 1;
            while (j < segments.size() && segments.get(j).sequence() == right) {
                right = segments.get(j).end();
                j++;
            }
            boolean holdsLast = !before(lastReceived, left) && before(lastReceived, right);
            if (holdsLast && written > 0) {
                // Moved to the front (RFC 2018 section 4: the first block holds the most recent segment).
                System.arraycopy(edges, 0, edges, 2, 2 * written);
                edges[0] = left;
                edges[1] = right;
            } else {
                edges[2 * written] = left;
                edges[2 * written + 1] = right;
            }
            written++;
            i = j;
        }
        return written;
    }

    /** Releases everything held: the connection is gone. */
    void clear() {
        for (Segment segment : segments) {
            segment.data().release();
        }
        segments.clear();
    }
}
