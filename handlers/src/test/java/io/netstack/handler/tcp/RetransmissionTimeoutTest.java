package io.netstack.handler.tcp;

import io.netstack.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** RFC 6298's estimator, Karn's rule and the backoff. */
class RetransmissionTimeoutTest {

    @Test
    void followsRfc6298SectionTwo() {
        RetransmissionTimeout rto = new RetransmissionTimeout();
        assertEquals(1000, rto.timeoutMillis(), "1 s before any sample");
        rto.sample(400);
        assertEquals(400, rto.smoothedRttMillis());
        assertEquals(400 + 4 * 200, rto.timeoutMillis(), "SRTT + 4 RTTVAR, RTTVAR = R / 2");
        rto.sample(200);
        // RTTVAR = 3/4 200 + 1/4 |400 - 200| = 200; SRTT = 7/8 400 + 1/8 200 = 375
        assertEquals(375, rto.smoothedRttMillis());
        assertEquals(375 + 800, rto.timeoutMillis());
    }

    @Test
    void neverGoesBelowTheFloorAndDoublesUpToTheCeiling() {
        RetransmissionTimeout rto = new RetransmissionTimeout();
        rto.sample(0);
        assertEquals(RetransmissionTimeout.MIN_MILLIS, rto.timeoutMillis());
        for (int i = 0; i < 20; i++) {
            rto.backOff();
        }
        assertEquals(RetransmissionTimeout.MAX_MILLIS, rto.timeoutMillis());
        assertEquals(20, rto.backoffs());
        rto.sample(10);
        assertEquals(0, rto.backoffs(), "a sample resets the backoff");
    }

    @Test
    void timesOneSegmentAndForgetsItWhenItIsSentAgain() {
        RetransmissionTimeout rto = new RetransmissionTimeout();
        TcpOptions none = new TcpOptions();
        rto.timeSegment(1000, 0);
        rto.timeSegment(2000, 50);
        rto.acknowledged(1500, 300, none, false);
        assertEquals(300, rto.smoothedRttMillis(), "from the first segment timed, the second ignored");
        rto.timeSegment(3000, 1000);
        rto.retransmitted();
        rto.acknowledged(4000, 5000, none, false);
        assertEquals(300, rto.smoothedRttMillis(), "Karn: no sample from a segment sent twice");
    }
}
