package io.netstack.handler;

import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.testing.CapturedFrames;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy, then the limits, and the counts of both, over the kernel's own datagram. */
class IcmpErrorGateTest {
    private static final int ETHERNET = 14;
    private static final int UNREACHABLE = Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE;
    private static final int PORT = Icmpv4Packet.CODE_PORT_UNREACHABLE;

    private final IcmpErrorGate gate = new IcmpErrorGate(new IcmpErrorPolicy(),
            new IcmpRateLimiter(IcmpRateLimits.LINUX, Ticker.newMockTicker(), new SplittableRandom(18)));

    @Test
    void letsSixErrorsToOneDestinationThroughThenCountsWhatItHoldsBack() {
        ByteBuf frame = Allocations.untracked(CapturedFrames.UDP_HELLO);
        try {
            Ipv4Packet datagram = ipv4Of(frame);
            for (int i = 0; i < 6; i++) {
                assertTrue(gate.allowIpv4(datagram, false, UNREACHABLE, PORT));
            }
            assertFalse(gate.allowIpv4(datagram, false, UNREACHABLE, PORT));
            assertFalse(gate.allowIpv4(datagram, true, UNREACHABLE, PORT));
            assertEquals(6, gate.sent());
            assertEquals(1, gate.suppressed(IcmpErrorSuppression.DESTINATION_RATE_LIMIT));
            assertEquals(1, gate.suppressed(IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION));
            assertEquals(2, gate.suppressed());
            assertEquals("sent 6, suppressed{LINK_LAYER_GROUP_DESTINATION=1, DESTINATION_RATE_LIMIT=1}",
                    gate.toString());
            assertEquals(1, gate.limiter().trackedDestinations());
        } finally {
            frame.release();
        }
    }

    @Test
    void aForbiddenErrorSpendsNoBudget() {
        ByteBuf frame = Allocations.untracked(CapturedFrames.UDP_HELLO);
        try {
            Ipv4Packet datagram = ipv4Of(frame);
            for (int i = 0; i < 100; i++) {
                assertFalse(gate.allowIpv4(datagram, true, UNREACHABLE, PORT));
            }
            assertEquals(0, gate.limiter().trackedDestinations());
            assertTrue(gate.allowIpv4(datagram, false, UNREACHABLE, PORT));
        } finally {
            frame.release();
        }
    }

    @Test
    void decidesAboutIpv6PacketsByTheSameBudgets() {
        ByteBuf packet = Allocations.untracked(CapturedFrames.hex(
                "6000000000081140" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002"
                        + "9c4000070008" + "0000"));
        try {
            Ipv6Packet ipv6 = Ipv6Packet.parse(packet);
            int allowed = 0;
            while (gate.allowIpv6(ipv6, false, IcmpErrorPolicy.NOT_ICMPV6, 1, 4, 0)) {
                allowed++;
            }
            assertEquals(6, allowed);
            assertFalse(gate.allowIpv6(ipv6, false, 1, 1, 4, 0));
            assertEquals(1, gate.suppressed(IcmpErrorSuppression.DESTINATION_RATE_LIMIT));
            assertEquals(1, gate.suppressed(IcmpErrorSuppression.ABOUT_ICMP_ERROR));
        } finally {
            packet.release();
        }
    }

    @Test
    void decidingAllocatesNothing() {
        ByteBuf frame = Allocations.untracked(CapturedFrames.UDP_HELLO);
        try {
            Ipv4Packet datagram = ipv4Of(frame);
            long allocated = Allocations.ofSecondRun(() -> {
                long sent = 0;
                for (int i = 0; i < 100_000; i++) {
                    sent += gate.allowIpv4(datagram, false, UNREACHABLE, PORT) ? 1 : 0;
                }
                return sent + gate.suppressed();
            });
            // A few hundred bytes of slack for the measurement itself; one object per decision would be megabytes.
            assertTrue(allocated < 1024, allocated + " bytes allocated for 100,000 decisions");
        } finally {
            frame.release();
        }
    }

    private static Ipv4Packet ipv4Of(ByteBuf frame) {
        Ipv4Packet ip = new Ipv4Packet();
        assertTrue(ip.wrap(frame, ETHERNET, frame.readableBytes() - ETHERNET));
        return ip;
    }
}
