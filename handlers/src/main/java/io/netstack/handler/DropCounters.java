package io.netstack.handler;

import io.netstack.wire.DecodeError;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts what a host dropped, by reason: inbound, malformed frames by the {@link DecodeError} that rejected them and
 * well-formed frames that no handler took by their {@link InboundFrame.Kind}; outbound, the packets its link layer
 * could not send by their {@link OutboundDrop} reason.
 *
 * <p>One instance is usually shared by the handlers of a channel. The counts are atomic, so they can be read from
 * any thread while the event loop updates them.
 */
public final class DropCounters {
    private static final DecodeError[] DECODE_ERRORS = DecodeError.values();
    private static final InboundFrame.Kind[] KINDS = InboundFrame.Kind.values();
    private static final OutboundDrop[] OUTBOUND_DROPS = OutboundDrop.values();

    private final AtomicLongArray malformed = new AtomicLongArray(DECODE_ERRORS.length);
    private final AtomicLongArray unhandled = new AtomicLongArray(KINDS.length);
    private final AtomicLongArray outbound = new AtomicLongArray(OUTBOUND_DROPS.length);

    /** Counters starting from zero; share one instance between the handlers of a channel. */
    public DropCounters() {
    }

    /**
     * Counts a frame dropped as malformed.
     *
     * @param reason the check the frame failed
     */
    public void increment(DecodeError reason) {
        malformed.incrementAndGet(reason.ordinal());
    }

    /**
     * Counts a well-formed frame dropped because no handler took it.
     *
     * @param kind what the frame carried
     */
    public void increment(InboundFrame.Kind kind) {
        unhandled.incrementAndGet(kind.ordinal());
    }

    /**
     * Counts an outbound packet dropped by the link layer.
     *
     * @param reason why it could not be sent
     */
    public void increment(OutboundDrop reason) {
        outbound.incrementAndGet(reason.ordinal());
    }

    /**
     * How many frames were dropped as malformed for {@code reason}.
     *
     * @param reason the reason
     * @return the count
     */
    public long count(DecodeError reason) {
        return malformed.get(reason.ordinal());
    }

    /**
     * How many well-formed frames of one kind no handler took.
     *
     * @param kind what the frames carried
     * @return the count since this object was made
     */
    public long count(InboundFrame.Kind kind) {
        return unhandled.get(kind.ordinal());
    }

    /**
     * How many outbound packets the link layer dropped for {@code reason}.
     *
     * @param reason the reason
     * @return the count
     */
    public long count(OutboundDrop reason) {
        return outbound.get(reason.ordinal());
    }

    /** {@return the inbound frames dropped, malformed or unhandled} */
    public long inboundTotal() {
        return sum(malformed) + sum(unhandled);
    }

    /** {@return the outbound packets dropped} */
    public long outboundTotal() {
        return sum(outbound);
    }

    /** {@return everything dropped, inbound and outbound, for any reason} */
    public long total() {
        return inboundTotal() + outboundTotal();
    }

    private static long sum(AtomicLongArray counts) {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    /** {@return the non-zero counts, e.g. {@code malformed{IPV4_BAD_CHECKSUM=2}, unhandled{OTHER_ETHERTYPE=5}}} */
    @Override
    public String toString() {
        StringBuilder summary = new StringBuilder("malformed{");
        appendNonZero(summary, malformed, DECODE_ERRORS);
        summary.append("}, unhandled{");
        appendNonZero(summary, unhandled, KINDS);
        summary.append("}, outbound{");
        appendNonZero(summary, outbound, OUTBOUND_DROPS);
        return summary.append('}').toString();
    }

    /** Appends {@code NAME=count} for each non-zero count, comma-separated; other counters print themselves so too. */
    static void appendNonZero(StringBuilder summary, AtomicLongArray counts, Enum<?>[] names) {
        String separator = "";
        for (int i = 0; i < counts.length(); i++) {
            long count = counts.get(i);
            if (count != 0) {
                summary.append(separator).append(names[i].name()).append('=').append(count);
                separator = ", ";
            }
        }
    }
}
