package io.netstack.handler.tcp;

import java.util.function.Supplier;

/**
 * Keepalive (RFC 1122 section 4.2.3.6): once a connection has heard nothing from its peer for the idle time, it sends
 * a probe, a segment one below SND.UNA that the peer must answer with an ACK, every interval, and gives up after the
 * given number of probes go unanswered. Off unless the user turns it on ({@code SO_KEEPALIVE}); Linux's times by
 * default.
 */
final class Keepalive {
    /** Linux's {@code tcp_keepalive_time}, {@code tcp_keepalive_intvl} and {@code tcp_keepalive_probes}. */
    static final int DEFAULT_IDLE_SECONDS = 7200;
    static final int DEFAULT_INTERVAL_SECONDS = 75;
    static final int DEFAULT_PROBES = 9;
    private static final long MILLIS_PER_SECOND = 1000;

    private final TcpLink link;
    private final TcpCounters counters;
    private final Supplier<TcpState> state;
    private final TcpSender sender;
    private final TcpTimer timer;
    private final Runnable giveUp;
    private boolean enabled;
    private long idleMillis = DEFAULT_IDLE_SECONDS * MILLIS_PER_SECOND;
    private long intervalMillis = DEFAULT_INTERVAL_SECONDS * MILLIS_PER_SECOND;
    private int probes = DEFAULT_PROBES;
    private long lastHeardMillis;
    private int probesUnanswered;

    /**
     * @param link     the connection's link, for the clock and the timer
     * @param counters where probes are counted
     * @param state    the connection's state: probes go only from a synchronized one, but TIME-WAIT
     * @param sender   sends the probes
     * @param giveUp   times the connection out
     */
    Keepalive(TcpLink link, TcpCounters counters, Supplier<TcpState> state, TcpSender sender, Runnable giveUp) {
        this.link = link;
        this.counters = counters;
        this.state = state;
        this.sender = sender;
        this.giveUp = giveUp;
        this.timer = new TcpTimer(link, this::expired);
        lastHeardMillis = link.nowMillis();
    }

    /** Sets keepalive on or off and its times, from now on. */
    void configure(boolean on, int idleSeconds, int intervalSeconds, int probeCount) {
        enabled = on;
        idleMillis = idleSeconds * MILLIS_PER_SECOND;
        intervalMillis = intervalSeconds * MILLIS_PER_SECOND;
        probes = probeCount;
        if (enabled) {
            timer.arm(lastHeardMillis + idleMillis);
        } else {
            timer.cancel();
        }
    }

    /** A segment came from the peer: it is alive, the idle time starts again. */
    void heard() {
        lastHeardMillis = link.nowMillis();
        probesUnanswered = 0;
    }

    private void expired() {
        if (!enabled) {
            return;
        }
        long now = link.nowMillis();
        long due = lastHeardMillis + idleMillis + probesUnanswered * intervalMillis;
        if (now < due) {
            timer.arm(due);
            return;
        }
        if (probesUnanswered >= probes) {
            giveUp.run();
            return;
        }
        TcpState current = state.get();
        if (current.isSynchronized() && current != TcpState.TIME_WAIT) {
            probesUnanswered++;
            counters.keepaliveProbes++;
            sender.sendKeepaliveProbe();
        }
        timer.arm(now + intervalMillis);
    }

    void cancel() {
        timer.cancel();
    }
}
