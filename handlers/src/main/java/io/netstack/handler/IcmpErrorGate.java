package io.netstack.handler;

import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static java.util.Objects.requireNonNull;

/**
 * Decides whether the host sends an ICMP or ICMPv6 error about a packet: the rules of {@link IcmpErrorPolicy} first,
 * then the budgets of {@link IcmpRateLimiter}, and counts the outcome. A host asks it before building each error,
 * and sends the error if and only if it answers {@code true}:
 * <pre>{@code
 * if (icmpErrors.allowIpv4(ip, ethernetGroupDestination, TYPE_DESTINATION_UNREACHABLE, CODE_PORT_UNREACHABLE)) {
 *     send(ctx, Icmpv4Errors.portUnreachable(ctx.alloc(), ip));
 * }
 * }</pre>
 *
 * <p>The decision allocates nothing. The counts are atomic, so they can be read from any thread while the event
 * loop updates them; the decision itself is not thread-safe, use it from the channel's event loop.
 */
public final class IcmpErrorGate {
    private static final IcmpErrorSuppression[] REASONS = IcmpErrorSuppression.values();

    private final IcmpErrorPolicy policy;
    private final IcmpRateLimiter limiter;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLongArray suppressed = new AtomicLongArray(REASONS.length);

    /** A gate with the rules for a host that knows only the limited broadcast, and Linux's default limits. */
    public IcmpErrorGate() {
        this(new IcmpErrorPolicy(), new IcmpRateLimiter());
    }

    /**
     * A gate.
     *
     * @param policy  the rules
     * @param limiter the rate limits
     */
    public IcmpErrorGate(IcmpErrorPolicy policy, IcmpRateLimiter limiter) {
        this.policy = requireNonNull(policy, "policy");
        this.limiter = requireNonNull(limiter, "limiter");
    }

    /**
     * Whether an ICMP error of {@code type} and {@code code} about an IPv4 packet is to be sent; if so, it is
     * charged to the rate limits and counted as sent, otherwise counted under the reason.
     *
     * @param invoking                  the well-formed packet the error is about
     * @param linkLayerGroupDestination whether it came to a link-layer broadcast or multicast address
     * @param type                      the error's type, e.g. {@code Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE}
     * @param code                      its code
     * @return {@code true} if the caller is to send the error
     */
    public boolean allowIpv4(Ipv4Packet invoking, boolean linkLayerGroupDestination, int type, int code) {
        IcmpErrorSuppression reason = policy.checkIpv4(invoking, linkLayerGroupDestination);
        if (reason == null) {
            reason = limiter.checkIpv4(type, code, invoking.source());
        }
        return count(reason);
    }

    /**
     * Whether an ICMPv6 error about an IPv6 packet is to be sent; if so, it is charged to the rate limits and
     * counted as sent, otherwise counted under the reason. See
     * {@link IcmpErrorPolicy#checkIpv6(Ipv6Packet, boolean, int, int, int, int)} for the parameters.
     *
     * @param invoking                  the well-formed packet the error is about
     * @param linkLayerGroupDestination whether it came to a link-layer broadcast or multicast address
     * @param invokingIcmpv6Type        the type of the ICMPv6 message it carries, or
     *                                  {@link IcmpErrorPolicy#NOT_ICMPV6} or {@link IcmpErrorPolicy#TRUNCATED_ICMPV6}
     * @param type                      the error's type
     * @param code                      its code
     * @param pointer                   a Parameter Problem's pointer; ignored for other types
     * @return {@code true} if the caller is to send the error
     */
    public boolean allowIpv6(Ipv6Packet invoking, boolean linkLayerGroupDestination, int invokingIcmpv6Type,
                             int type, int code, int pointer) {
        IcmpErrorSuppression reason =
                policy.checkIpv6(invoking, linkLayerGroupDestination, invokingIcmpv6Type, type, code, pointer);
        if (reason == null) {
            reason = limiter.checkIpv6(type, invoking.buffer(), invoking.sourceOffset());
        }
        return count(reason);
    }

    private boolean count(IcmpErrorSuppression reason) {
        if (reason == null) {
            sent.incrementAndGet();
            return true;
        }
        suppressed.incrementAndGet(reason.ordinal());
        return false;
    }

    /** {@return how many errors the gate let through, each of which the host sent} */
    public long sent() {
        return sent.get();
    }

    /**
     * How many errors were held back for a reason.
     *
     * @param reason the reason
     * @return the count
     */
    public long suppressed(IcmpErrorSuppression reason) {
        return suppressed.get(reason.ordinal());
    }

    /** {@return how many errors were held back, for any reason} */
    public long suppressed() {
        long total = 0;
        for (int i = 0; i < suppressed.length(); i++) {
            total += suppressed.get(i);
        }
        return total;
    }

    /** {@return the rate limiter, e.g. to see how many destinations it tracks} */
    public IcmpRateLimiter limiter() {
        return limiter;
    }

    /** {@return the counts, e.g. {@code sent 3, suppressed{DESTINATION_RATE_LIMIT=2}}} */
    @Override
    public String toString() {
        StringBuilder summary = new StringBuilder("sent ").append(sent.get()).append(", suppressed{");
        DropCounters.appendNonZero(summary, suppressed, REASONS);
        return summary.append('}').toString();
    }
}
