package io.netstack.handler;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The settings of an {@link IcmpRateLimiter}, named after the Linux sysctls they mirror
 * ({@code Documentation/networking/ip-sysctl.rst}).
 *
 * @param ratelimit       {@code net.ipv4.icmp_ratelimit}: the interval between ICMP errors to one destination, in
 *                        the long run; a destination may take {@value IcmpRateLimiter#BURST_FACTOR} at once. Zero
 *                        turns the per-destination limit off
 * @param ratemask        {@code net.ipv4.icmp_ratemask}: bit {@code 1 << type} set for each ICMP type that is
 *                        limited; fragmentation needed is never limited, nor are types above 18
 * @param ipv6Ratelimit   {@code net.ipv6.icmp.ratelimit}: the same interval for ICMPv6 errors, whose types 0 to 127
 *                        are limited except Packet Too Big ({@code net.ipv6.icmp.ratemask} {@code 0-1,3-127})
 * @param msgsPerSec      {@code net.ipv4.icmp_msgs_per_sec}: the host-wide rate of limited messages of both
 *                        versions, per second
 * @param msgsBurst       {@code net.ipv4.icmp_msgs_burst}: how many of those may go at once
 * @param maxDestinations how many destinations the per-destination limit keeps track of; beyond, the least recently
 *                        served of a few candidates is forgotten, so memory stays bounded under a spoofed flood
 */
public record IcmpRateLimits(Duration ratelimit, int ratemask, Duration ipv6Ratelimit, int msgsPerSec,
                             int msgsBurst, int maxDestinations) {
    /** The largest interval: the sysctls are {@code int}s of milliseconds. Set before {@link #LINUX} is checked. */
    private static final Duration MAX_INTERVAL = Duration.ofMillis(Integer.MAX_VALUE);
    /** Keeps the table's arrays far below the largest Java array. */
    private static final int MAX_DESTINATIONS = 1 << 20;

    /**
     * The defaults of Linux 6.18: one error per second per IPv4 destination, ten per second per IPv6 destination,
     * 1000 per second in all with bursts of 50, for destination unreachable, source quench, time exceeded and
     * parameter problem (mask {@code 0x1818}); 4096 destinations, Linux's smallest peer table.
     */
    public static final IcmpRateLimits LINUX = new IcmpRateLimits(Duration.ofSeconds(1), 0x1818,
            Duration.ofMillis(100), 1000, 50, 4096);

    /**
     * Checks the ranges.
     *
     * @throws IllegalArgumentException if an interval is negative or over {@code Integer.MAX_VALUE} milliseconds,
     *                                  a count is negative, or {@code maxDestinations} is not within 1 to 2^20
     */
    public IcmpRateLimits {
        checkInterval("ratelimit", ratelimit);
        checkInterval("ipv6Ratelimit", ipv6Ratelimit);
        if (msgsPerSec < 0 || msgsBurst < 0) {
            throw new IllegalArgumentException("msgsPerSec and msgsBurst must not be negative: " + msgsPerSec
                    + ", " + msgsBurst);
        }
        if (maxDestinations < 1 || maxDestinations > MAX_DESTINATIONS) {
            throw new IllegalArgumentException("maxDestinations must be 1.." + MAX_DESTINATIONS + ": "
                    + maxDestinations);
        }
    }

    private static void checkInterval(String name, Duration interval) {
        requireNonNull(interval, name);
        if (interval.isNegative() || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException(name + " must be 0.." + MAX_INTERVAL + ": " + interval);
        }
    }
}
