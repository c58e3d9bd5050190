package io.netstack.handler.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NewReno (RFC 5681, RFC 6582) and CUBIC (RFC 9438) windows, step by step. */
class CongestionControlTest {
    private static final int MSS = 1000;
    private static final long RTT_MILLIS = 100;

    @Test
    void startsWithTheInitialWindowOfRfc6928() {
        NewReno reno = new NewReno();
        reno.start(1460);
        assertEquals(14600, reno.window(), "min(10 MSS, max(2 MSS, 14600))");
        reno.start(9000);
        assertEquals(18000, reno.window(), "2 MSS for a jumbo MSS");
    }

    @Test
    void newRenoDoublesInSlowStartAndAddsAnMssPerWindowAfter() {
        NewReno reno = new NewReno();
        reno.start(MSS);
        for (int i = 0; i < 10; i++) {
            reno.onAck(MSS, 0, 1);
        }
        assertEquals(20 * MSS, reno.window(), "one MSS per ACK of one MSS");
        reno.onTimeout(20 * MSS, 0);
        assertEquals(MSS, reno.window());
        assertEquals(10 * MSS, reno.slowStartThreshold(), "half the flight");
        while (reno.inSlowStart()) {
            reno.onAck(MSS, 0, 1);
        }
        int avoidance = reno.window();
        for (int i = 0; i < avoidance / MSS; i++) {
            reno.onAck(MSS, 0, 1);
        }
        assertEquals(avoidance + MSS, reno.window(), "one MSS per window acknowledged");
    }

    @Test
    void newRenoRecoveryInflatesDeflatesAndEndsAtTheThreshold() {
        NewReno reno = new NewReno();
        reno.start(MSS);
        reno.onFastRetransmit(10 * MSS, 0);
        assertEquals(5 * MSS, reno.slowStartThreshold());
        assertEquals(8 * MSS, reno.window(), "ssthresh plus the three segments the duplicate ACKs say left");
        reno.onDuplicateAckInRecovery();
        assertEquals(9 * MSS, reno.window());
        reno.onPartialAck(2 * MSS);
        assertEquals(8 * MSS, reno.window(), "deflated by what was acknowledged, plus one MSS");
        reno.onRecoveryEnd(3 * MSS);
        assertEquals(4 * MSS, reno.window(), "min(ssthresh, flight + MSS)");
    }

    @Test
    void lossRecoveryStartsOnTheThirdDuplicateAckOnlyPastTheLastRecoveryPoint() {
        NewReno reno = new NewReno();
        reno.start(MSS);
        LossRecovery recovery = new LossRecovery(reno, 0);
        assertFalse(recovery.duplicateAck(1000, 10_000, 0));
        assertFalse(recovery.duplicateAck(1000, 10_000, 0));
        assertTrue(recovery.duplicateAck(1000, 10_000, 0), "the third");
        assertTrue(recovery.recovering());
        assertTrue(recovery.newAck(5000, 4000, 5000, 0, 1), "a partial ACK sends the next hole again");
        assertFalse(recovery.newAck(10_000, 5000, 0, 0, 1), "a full ACK ends it");
        assertFalse(recovery.recovering());
        recovery.timedOut(20_000);
        for (int i = 0; i < 3; i++) {
            assertFalse(recovery.duplicateAck(15_000, 20_000, 0), "not before what the timeout left is acknowledged");
        }
    }

    @Test
    void cubicKeepsSevenTenthsAndClimbsBackToTheWindowOfTheLoss() {
        Cubic cubic = new Cubic();
        cubic.start(MSS);
        for (int i = 0; i < 90; i++) {
            cubic.onAck(MSS, 0, 1);
        }
        assertEquals(100 * MSS, cubic.window());
        cubic.onFastRetransmit(100 * MSS, 0);
        cubic.onRecoveryEnd(70 * MSS);
        assertEquals(70 * MSS, cubic.window(), "beta_cubic 0.7 of the window");
        assertEquals(100, cubic.maxWindowSegments(), 1e-9);
        // K = cbrt(W_max (1 - beta) / C) = cbrt(30 / 0.4) = 4.22 s: the window is back near W_max then.
        long now = 0;
        for (; now < 4_200; now += RTT_MILLIS) {
            acknowledgeOneWindow(cubic, now);
        }
        assertTrue(Math.abs(cubic.window() - 100 * MSS) < 5 * MSS, "near W_max after K: " + cubic.window());
        int plateau = cubic.window();
        for (; now < 8_000; now += RTT_MILLIS) {
            acknowledgeOneWindow(cubic, now);
        }
        // C (8 - K)^3 = 0.4 * 3.78^3 = 21.6 segments past W_max.
        assertTrue(cubic.window() > plateau + 15 * MSS, "convex beyond W_max: " + cubic.window());
    }

    /** A round trip's ACKs: one per segment of the window. */
    private static void acknowledgeOneWindow(CongestionControl controller, long now) {
        for (int segments = controller.window() / MSS; segments > 0; segments--) {
            controller.onAck(MSS, now, RTT_MILLIS);
        }
    }

    @Test
    void cubicConvergesFastWhenTheWindowDidNotRegainTheLastLoss() {
        Cubic cubic = new Cubic();
        cubic.start(MSS);
        for (int i = 0; i < 90; i++) {
            cubic.onAck(MSS, 0, 1);
        }
        cubic.onFastRetransmit(100 * MSS, 0);
        cubic.onRecoveryEnd(70 * MSS);
        cubic.onFastRetransmit(70 * MSS, 0);
        assertEquals(70 * 1.7 / 2, cubic.maxWindowSegments(), 1e-9, "W_max = cwnd (1 + beta) / 2");
    }
}
