package io.netstack.handler;

import io.netty.channel.ChannelOption;

/**
 * {@link ChannelOption}s of a {@link TcpChannel} beyond Netty's socket options, named as Linux's socket options and
 * Netty's epoll channel options name them.
 *
 * @param <T> the type of the option's value
 */
public final class TcpChannelOption<T> extends ChannelOption<T> {
    /** Seconds a connection is idle before the first keepalive probe, with {@code SO_KEEPALIVE}; 7200 by default. */
    public static final ChannelOption<Integer> TCP_KEEPIDLE = valueOf(TcpChannelOption.class, "TCP_KEEPIDLE");
    /** Seconds between unanswered keepalive probes; 75 by default. */
    public static final ChannelOption<Integer> TCP_KEEPINTVL = valueOf(TcpChannelOption.class, "TCP_KEEPINTVL");
    /** Unanswered keepalive probes before the connection times out; 9 by default. */
    public static final ChannelOption<Integer> TCP_KEEPCNT = valueOf(TcpChannelOption.class, "TCP_KEEPCNT");

    @SuppressWarnings("unused")
    private TcpChannelOption() {
        super(null);
    }
}
