package io.netstack.handler;

import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Ticker;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import static java.util.Objects.requireNonNull;

/**
 * Limits the rate of ICMP and ICMPv6 errors as Linux does ({@code net/ipv4/icmp.c}, {@code net/ipv6/icmp.c},
 * {@code net/ipv4/inetpeer.c}), with the settings of {@link IcmpRateLimits}:
 * <ol>
 * <li>Only the types in the rate mask are limited; the others always pass and cost nothing.</li>
 * <li>A host-wide token bucket ({@code icmp_global_allow}): while it holds credit an error may pass; once empty it
 * is refilled at {@code msgsPerSec}, at most {@code msgsBurst}, no sooner than 20 ms after the last refill. Both IP
 * versions share it.</li>
 * <li>A bucket per destination ({@code inet_peer_xrlim_allow}): it fills with elapsed time up to
 * {@value #BURST_FACTOR} intervals, and each error takes one interval. A new destination starts full.</li>
 * <li>An error that passes both takes 0, 1 or 2 credits from the host-wide bucket at random, one on average, so
 * that a sender cannot learn the exact state of the bucket from the errors it draws ({@code icmp_global_consume}).
 * The host-wide bucket is consulted first but charged last, so errors the per-destination limit suppresses do not
 * spend it.</li>
 * </ol>
 *
 * <p>The destinations are kept in a table of fixed size ({@link IcmpRateLimits#maxDestinations()}, rounded up to a
 * power of two), open-addressed with a seeded hash and at most 8 probes: known destinations are served without
 * allocating, and a flood from spoofed sources only replaces entries, idle ones first. Time comes from a Netty
 * {@link Ticker}, which tests drive with a {@link io.netty.util.concurrent.MockTicker}.
 *
 * <p>Not thread-safe: use it from the channel's event loop.
 */
public final class IcmpRateLimiter {
    /** Linux's {@code XRLIM_BURST_FACTOR}: a destination may receive this many errors at once. */
    public static final int BURST_FACTOR = 6;

    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The host-wide bucket is refilled no more often than every {@code HZ / 50}. */
    private static final long MIN_REFILL_DELAY_NANOS = SECOND_NANOS / 50;
    /** Linux's {@code NR_ICMP_TYPES}: larger types are never limited. */
    private static final int MAX_LIMITED_ICMPV4_TYPE = Icmpv4Packet.TYPE_ADDRESS_MASK_REPLY;
    /** The high half of an IPv4-mapped IPv6 address is zero; its low half starts with 0xffff. */
    private static final long IPV4_MAPPED_LOW_PREFIX = 0xffffL << Integer.SIZE;
    /** A random charge of 0 to 2 credits. */
    private static final int CHARGE_BOUND = 3;

    private final int ratemask;
    private final long ipv4IntervalNanos;
    private final long ipv6IntervalNanos;
    private final long msgsPerSec;
    private final int msgsBurst;
    private final Ticker ticker;
    private final RandomGenerator random;
    private final DestinationBuckets destinations;
    /** The host-wide credit; a random charge can take it below zero, as in Linux. */
    private int credit;
    private long lastRefill;

    /** A limiter with Linux's default settings, on the system's clock. */
    public IcmpRateLimiter() {
        this(IcmpRateLimits.LINUX, Ticker.systemTicker(), new SplittableRandom());
    }

    /**
     * A limiter.
     *
     * @param limits the settings
     * @param ticker the clock
     * @param random the source of the random charges, and of the seed of the destination table's hash
     */
    public IcmpRateLimiter(IcmpRateLimits limits, Ticker ticker, RandomGenerator random) {
        requireNonNull(limits, "limits");
        this.ticker = requireNonNull(ticker, "ticker");
        this.random = requireNonNull(random, "random");
        ratemask = limits.ratemask();
        ipv4IntervalNanos = limits.ratelimit().toNanos();
        ipv6IntervalNanos = limits.ipv6Ratelimit().toNanos();
        msgsPerSec = limits.msgsPerSec();
        msgsBurst = limits.msgsBurst();
        destinations = new DestinationBuckets(limits.maxDestinations(), random.nextLong(),
                BURST_FACTOR * Math.max(ipv4IntervalNanos, ipv6IntervalNanos));
        // As if the bucket had been refilled a second ago and then emptied: the first check fills it.
        lastRefill = ticker.nanoTime() - SECOND_NANOS;
    }

    /**
     * Whether an ICMP error may be sent now to an IPv4 destination; if so, it is charged to the budgets.
     *
     * @param type        the error's type
     * @param code        its code
     * @param destination the error's destination, the invoking packet's source, as an {@code int}
     * @return the limit that holds the error back, or {@code null} if it may be sent
     */
    public IcmpErrorSuppression checkIpv4(int type, int code, int destination) {
        if (!isLimitedIpv4(type, code)) {
            return null;
        }
        return check(0, IPV4_MAPPED_LOW_PREFIX | Integer.toUnsignedLong(destination), ipv4IntervalNanos);
    }

    /**
     * Whether an ICMPv6 error may be sent now to an IPv6 destination; if so, it is charged to the budgets.
     *
     * @param type             the error's type
     * @param buf              the buffer holding the destination, e.g. the invoking packet's
     * @param destinationIndex the absolute index of the 16-byte destination, the invoking packet's source
     * @return the limit that holds the error back, or {@code null} if it may be sent
     */
    public IcmpErrorSuppression checkIpv6(int type, ByteBuf buf, int destinationIndex) {
        // net.ipv6.icmp.ratemask 0-1,3-127: every error but Packet Too Big.
        if (!Icmpv6Packet.isErrorType(type) || type == Icmpv6Packet.TYPE_PACKET_TOO_BIG) {
            return null;
        }
        return check(buf.getLong(destinationIndex), buf.getLong(destinationIndex + Long.BYTES), ipv6IntervalNanos);
    }

    /** {@code icmpv4_mask_allow}, negated: path MTU discovery is never limited. */
    private boolean isLimitedIpv4(int type, int code) {
        if (type > MAX_LIMITED_ICMPV4_TYPE) {
            return false;
        }
        if (type == Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE && code == Icmpv4Packet.CODE_FRAGMENTATION_NEEDED) {
            return false;
        }
        return (ratemask & 1 << type) != 0;
    }

    /** Destinations are keyed by 128 bits; IPv4 ones in their IPv4-mapped form, which no IPv6 source may have. */
    private IcmpErrorSuppression check(long keyHigh, long keyLow, long intervalNanos) {
        long now = ticker.nanoTime();
        if (!hostWideCreditLeft(now)) {
            return IcmpErrorSuppression.GLOBAL_RATE_LIMIT;
        }
        if (intervalNanos != 0 && !destinations.take(keyHigh, keyLow, intervalNanos, now)) {
            return IcmpErrorSuppression.DESTINATION_RATE_LIMIT;
        }
        credit -= random.nextInt(CHARGE_BOUND);
        return null;
    }

    /** {@code icmp_global_allow}: refills an empty bucket for the time since the last refill, up to a second. */
    private boolean hostWideCreditLeft(long now) {
        if (credit > 0) {
            return true;
        }
        long elapsed = Math.min(now - lastRefill, SECOND_NANOS);
        if (elapsed < MIN_REFILL_DELAY_NANOS) {
            return false;
        }
        long refill = msgsPerSec * elapsed / SECOND_NANOS;
        if (refill == 0) {
            return false;
        }
        lastRefill = now;
        credit = (int) Math.min(credit + refill, msgsBurst);
        return true;
    }

    /** {@return how many destinations the per-destination limit currently tracks} */
    public int trackedDestinations() {
        return destinations.size();
    }
}
