package io.netstack.handler;

import io.netstack.wire.Icmpv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The limiter against Linux's arithmetic, on a clock the test moves. */
class IcmpRateLimiterTest {
    private static final int UNREACHABLE = Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE;
    private static final int PORT = Icmpv4Packet.CODE_PORT_UNREACHABLE;
    private static final int KERNEL_IP = 0xc0000201;
    private static final int OTHER_IP = 0xc0000203;
    /** No per-destination limit: what is left is the host-wide bucket. */
    private static final IcmpRateLimits GLOBAL_ONLY =
            new IcmpRateLimits(Duration.ZERO, 0x1818, Duration.ZERO, 1000, 50, 4096);

    private final MockTicker ticker = Ticker.newMockTicker();

    @Test
    void aDestinationGetsABurstOfSixThenOneErrorPerSecond() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
        ticker.advance(999, TimeUnit.MILLISECONDS);
        assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP));
        ticker.advanceMillis(1);
        assertNull(limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP));
        assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP));
    }

    @Test
    void aDestinationsBucketFillsUpToSixIntervalsOnly() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
        ticker.advanceMillis(2500);
        assertEquals(2, allowedInARow(limiter, KERNEL_IP), "2.5 intervals are 2 errors");
        ticker.advanceMillis(500);
        assertEquals(1, allowedInARow(limiter, KERNEL_IP), "the half interval left over counts");
        ticker.advanceMillis(3_600_000);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
    }

    @Test
    void destinationsHaveBucketsOfTheirOwn() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
        assertEquals(6, allowedInARow(limiter, OTHER_IP));
        assertEquals(2, limiter.trackedDestinations());
    }

    @Test
    void theHostWideBucketHoldsABurstOf50() {
        IcmpRateLimiter limiter = limiter(GLOBAL_ONLY, 1);
        assertEquals(50, allowedInARow(limiter, KERNEL_IP));
        assertEquals(IcmpErrorSuppression.GLOBAL_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, OTHER_IP));
    }

    @Test
    void theHostWideBucketRefillsAtTheRateNoSoonerThanEvery20Milliseconds() {
        IcmpRateLimiter limiter = limiter(GLOBAL_ONLY, 1);
        assertEquals(50, allowedInARow(limiter, KERNEL_IP));
        ticker.advanceMillis(19);
        assertEquals(0, allowedInARow(limiter, KERNEL_IP), "19 ms: no refill yet");
        ticker.advanceMillis(1);
        assertEquals(20, allowedInARow(limiter, KERNEL_IP), "20 ms at 1000/s");
        ticker.advanceMillis(5000);
        assertEquals(50, allowedInARow(limiter, KERNEL_IP), "a refill counts a second at most, and stops at 50");
    }

    @Test
    void eachErrorTakesARandomChargeOfZeroToTwoCredits() {
        assertEquals(25, allowedInARow(limiter(GLOBAL_ONLY, 2), KERNEL_IP));
        IcmpRateLimiter free = limiter(GLOBAL_ONLY, 0);
        assertEquals(10_000, allowedInARow(free, KERNEL_IP, 10_000));
    }

    @Test
    void errorsTheDestinationLimitHoldsBackDoNotSpendTheHostWideBucket() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
        for (int i = 0; i < 100; i++) {
            assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT,
                    limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP));
        }
        int allowed = 0;
        for (int destination = 1; destination <= 44; destination++) {
            allowed += limiter.checkIpv4(UNREACHABLE, PORT, OTHER_IP + destination) == null ? 1 : 0;
        }
        assertEquals(44, allowed);
        assertEquals(IcmpErrorSuppression.GLOBAL_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, OTHER_IP));
    }

    @Test
    void onlyTheTypesOfTheRateMaskAreLimited() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        for (int i = 0; i < 1000; i++) {
            assertNull(limiter.checkIpv4(Icmpv4Packet.TYPE_ECHO_REPLY, 0, KERNEL_IP));
            assertNull(limiter.checkIpv4(UNREACHABLE, Icmpv4Packet.CODE_FRAGMENTATION_NEEDED, KERNEL_IP),
                    "path MTU discovery is never limited");
            assertNull(limiter.checkIpv4(Icmpv4Packet.TYPE_REDIRECT, 0, KERNEL_IP), "not in mask 0x1818");
            assertNull(limiter.checkIpv4(19, 0, KERNEL_IP), "above NR_ICMP_TYPES");
        }
        assertEquals(0, limiter.trackedDestinations(), "unlimited types cost nothing");
        for (int type : new int[] {Icmpv4Packet.TYPE_SOURCE_QUENCH, Icmpv4Packet.TYPE_TIME_EXCEEDED,
                                   Icmpv4Packet.TYPE_PARAMETER_PROBLEM}) {
            IcmpRateLimiter fresh = limiter(IcmpRateLimits.LINUX, 1);
            int allowed = 0;
            while (fresh.checkIpv4(type, 0, KERNEL_IP) == null) {
                allowed++;
            }
            assertEquals(6, allowed, "type " + type);
        }
        IcmpRateLimiter noMask = limiter(new IcmpRateLimits(Duration.ofSeconds(1), 0, Duration.ofMillis(100),
                1000, 50, 4096), 1);
        assertEquals(1000, allowedInARow(noMask, KERNEL_IP, 1000));
    }

    @Test
    void anIpv6DestinationGetsABurstOfSixThenOneErrorPer100Milliseconds() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        ByteBuf destination = ipv6("2001:db8::1");
        try {
            int allowed = 0;
            while (limiter.checkIpv6(1, destination, 0) == null) {
                allowed++;
            }
            assertEquals(6, allowed);
            assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT, limiter.checkIpv6(1, destination, 0));
            ticker.advanceMillis(100);
            assertNull(limiter.checkIpv6(1, destination, 0));
            assertNull(limiter.checkIpv6(2, destination, 0), "Packet Too Big is never limited");
            assertNull(limiter.checkIpv6(129, destination, 0), "informational messages are not limited");
            assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT, limiter.checkIpv6(4, destination, 0));
        } finally {
            destination.release();
        }
    }

    @Test
    void bothIpVersionsShareTheHostWideBucket() {
        IcmpRateLimiter limiter = limiter(new IcmpRateLimits(Duration.ofSeconds(1), 0x1818, Duration.ofSeconds(1),
                1000, 10, 4096), 1);
        ByteBuf ipv6 = ipv6("2001:db8::1");
        try {
            assertEquals(6, allowedInARow(limiter, KERNEL_IP));
            int allowed = 0;
            while (limiter.checkIpv6(1, ipv6, 0) == null) {
                allowed++;
            }
            assertEquals(4, allowed, "10 credits, 6 spent on IPv4");
            assertEquals(IcmpErrorSuppression.GLOBAL_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, OTHER_IP));
        } finally {
            ipv6.release();
        }
    }

    @Test
    void theTableStaysBoundedUnderAFloodOfDestinations() {
        IcmpRateLimiter limiter = limiter(new IcmpRateLimits(Duration.ofSeconds(1), 0x1818, Duration.ofSeconds(1),
                1000, 50, 64), 0);
        for (int source = 0; source < 100_000; source++) {
            assertNull(limiter.checkIpv4(UNREACHABLE, PORT, 0x0a000000 + source),
                    "a destination seen for the first time has a full bucket");
            assertTrue(limiter.trackedDestinations() <= 64);
        }
        assertEquals(64, limiter.trackedDestinations());
    }

    @Test
    void aKnownDestinationKeepsItsStateWhileTheTableHasRoom() {
        IcmpRateLimiter limiter = limiter(new IcmpRateLimits(Duration.ofSeconds(1), 0x1818, Duration.ofSeconds(1),
                1000, 50, 4096), 0);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
        for (int source = 0; source < 1000; source++) {
            limiter.checkIpv4(UNREACHABLE, PORT, 0x0a000000 + source);
        }
        assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP));
    }

    @Test
    void idleDestinationsMakeRoomWithoutForgettingBusyOnes() {
        IcmpRateLimiter limiter = limiter(new IcmpRateLimits(Duration.ofSeconds(1), 0x1818, Duration.ofSeconds(1),
                1000, 50, 8), 0);
        for (int source = 1; source <= 7; source++) {
            limiter.checkIpv4(UNREACHABLE, PORT, 0x0a000000 + source);
        }
        ticker.advanceMillis(6000);
        assertEquals(6, allowedInARow(limiter, KERNEL_IP));
        // Each newcomer takes an idle slot, of which there are 7; the busy destination keeps its empty bucket.
        for (int source = 100; source < 107; source++) {
            limiter.checkIpv4(UNREACHABLE, PORT, 0x0a000000 + source);
        }
        assertEquals(8, limiter.trackedDestinations());
        assertEquals(IcmpErrorSuppression.DESTINATION_RATE_LIMIT, limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP));
    }

    @Test
    void decidingForAKnownDestinationAllocatesNothing() {
        IcmpRateLimiter limiter = limiter(IcmpRateLimits.LINUX, 1);
        ByteBuf ipv6 = Allocations.untracked(ipv6Bytes("2001:db8::1"));
        try {
            long allocated = Allocations.ofSecondRun(() -> {
                long suppressed = 0;
                for (int i = 0; i < 50_000; i++) {
                    ticker.advance(1, TimeUnit.MICROSECONDS);
                    suppressed += limiter.checkIpv4(UNREACHABLE, PORT, KERNEL_IP) == null ? 0 : 1;
                    suppressed += limiter.checkIpv6(1, ipv6, 0) == null ? 0 : 1;
                }
                return suppressed;
            });
            // A few hundred bytes of slack for the measurement itself; one object per decision would be megabytes.
            assertTrue(allocated < 1024, allocated + " bytes allocated for 100,000 decisions");
        } finally {
            ipv6.release();
        }
    }

    @Test
    void rejectsSettingsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new IcmpRateLimits(Duration.ofMillis(-1), 0,
                Duration.ZERO, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new IcmpRateLimits(Duration.ZERO, 0,
                Duration.ofDays(30), 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new IcmpRateLimits(Duration.ZERO, 0,
                Duration.ZERO, -1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new IcmpRateLimits(Duration.ZERO, 0,
                Duration.ZERO, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new IcmpRateLimits(Duration.ZERO, 0,
                Duration.ZERO, 1, 1, (1 << 20) + 1));
    }

    private IcmpRateLimiter limiter(IcmpRateLimits limits, int charge) {
        return new IcmpRateLimiter(limits, ticker, new FixedCharge(charge));
    }

    private static int allowedInARow(IcmpRateLimiter limiter, int destination) {
        return allowedInARow(limiter, destination, Integer.MAX_VALUE);
    }

    /** Port unreachables to {@code destination} until one is held back or {@code most} passed. */
    private static int allowedInARow(IcmpRateLimiter limiter, int destination, int most) {
        int allowed = 0;
        while (allowed < most && limiter.checkIpv4(UNREACHABLE, PORT, destination) == null) {
            allowed++;
        }
        return allowed;
    }

    private static ByteBuf ipv6(String address) {
        return Unpooled.wrappedBuffer(ipv6Bytes(address));
    }

    private static byte[] ipv6Bytes(String address) {
        return InetAddress.ofLiteral(address).getAddress();
    }

    /** Charges every error the same number of credits, and seeds the table's hash with a constant. */
    private record FixedCharge(int charge) implements RandomGenerator {
        @Override
        public long nextLong() {
            return 0x5eed;
        }

        @Override
        public int nextInt(int bound) {
            return charge;
        }
    }
}
