package io.netstack.handler;

import io.netstack.handler.tcp.TcpSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannelConfig;

import java.util.Map;

/**
 * The configuration of a {@link TcpChannel}: Netty's {@link SocketChannelConfig}, with the meaning each option has for
 * Netty's socket channels, applied to the userspace connection.
 * <ul>
 * <li>{@link ChannelOption#TCP_NODELAY}: segments smaller than the MSS go out at once; off, Nagle's algorithm holds
 * them while data is unacknowledged. On by default, as for Netty's socket channels.</li>
 * <li>{@link ChannelOption#SO_RCVBUF}: the most the receive window offers. Set before the handshake (in a service's
 * initializer it is set too late for the window scale, which the SYN fixed, but it bounds the window still).</li>
 * <li>{@link ChannelOption#SO_SNDBUF}: the bytes the connection holds unacknowledged; more written waits in the
 * channel's outbound buffer, whose water marks drive {@code isWritable()}.</li>
 * <li>{@link ChannelOption#SO_LINGER}: 0 makes {@code close()} reset the connection; any other value closes it in
 * order, in the background, as the kernel does without a linger time.</li>
 * <li>{@link ChannelOption#SO_KEEPALIVE}: probes an idle connection and times it out when they go unanswered,
 * after {@link TcpChannelOption#TCP_KEEPIDLE}, {@link TcpChannelOption#TCP_KEEPINTVL} and
 * {@link TcpChannelOption#TCP_KEEPCNT}, Linux's 7200 s, 75 s and 9 by default.</li>
 * <li>{@link ChannelOption#ALLOW_HALF_CLOSURE}: the peer's FIN fires
 * {@link io.netty.channel.socket.ChannelInputShutdownEvent} instead of closing the channel.</li>
 * </ul>
 */
public final class TcpChannelConfig extends DefaultChannelConfig implements SocketChannelConfig {
    private final TcpChannel channel;
    private volatile boolean noDelay = true;
    private volatile int soLinger = -1;
    private volatile int receiveBufferSize = TcpSettings.DEFAULT_RECEIVE_BUFFER;
    private volatile int sendBufferSize = TcpSettings.DEFAULT_SEND_BUFFER;
    private volatile boolean keepAlive;
    private volatile int keepIdle = 7200;
    private volatile int keepInterval = 75;
    private volatile int keepCount = 9;
    private volatile boolean allowHalfClosure;
    private volatile int trafficClass;
    private volatile boolean reuseAddress;

    TcpChannelConfig(TcpChannel channel) {
        super(channel);
        this.channel = channel;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.TCP_NODELAY, ChannelOption.SO_LINGER,
                ChannelOption.SO_RCVBUF, ChannelOption.SO_SNDBUF, ChannelOption.SO_KEEPALIVE,
                ChannelOption.ALLOW_HALF_CLOSURE, ChannelOption.IP_TOS, ChannelOption.SO_REUSEADDR,
                TcpChannelOption.TCP_KEEPIDLE, TcpChannelOption.TCP_KEEPINTVL, TcpChannelOption.TCP_KEEPCNT);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.TCP_NODELAY) {
            return (T) Boolean.valueOf(isTcpNoDelay());
        }
        if (option == ChannelOption.SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        }
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == ChannelOption.SO_KEEPALIVE) {
            return (T) Boolean.valueOf(isKeepAlive());
        }
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        if (option == ChannelOption.IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == ChannelOption.SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == TcpChannelOption.TCP_KEEPIDLE) {
            return (T) Integer.valueOf(getKeepIdle());
        }
        if (option == TcpChannelOption.TCP_KEEPINTVL) {
            return (T) Integer.valueOf(getKeepInterval());
        }
        if (option == TcpChannelOption.TCP_KEEPCNT) {
            return (T) Integer.valueOf(getKeepCount());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == ChannelOption.SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == ChannelOption.IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == TcpChannelOption.TCP_KEEPIDLE) {
            setKeepIdle((Integer) value);
        } else if (option == TcpChannelOption.TCP_KEEPINTVL) {
            setKeepInterval((Integer) value);
        } else if (option == TcpChannelOption.TCP_KEEPCNT) {
            setKeepCount((Integer) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public boolean isTcpNoDelay() {
        return noDelay;
    }

    @Override
    public TcpChannelConfig setTcpNoDelay(boolean tcpNoDelay) {
        noDelay = tcpNoDelay;
        channel.settingsChanged();
        return this;
    }

    @Override
    public int getSoLinger() {
        return soLinger;
    }

    @Override
    public TcpChannelConfig setSoLinger(int soLinger) {
        this.soLinger = soLinger;
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return sendBufferSize;
    }

    @Override
    public TcpChannelConfig setSendBufferSize(int sendBufferSize) {
        if (sendBufferSize <= 0) {
            throw new IllegalArgumentException("SO_SNDBUF not positive: " + sendBufferSize);
        }
        this.sendBufferSize = sendBufferSize;
        channel.settingsChanged();
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return receiveBufferSize;
    }

    @Override
    public TcpChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        if (receiveBufferSize <= 0 || receiveBufferSize > TcpSettings.MAX_RECEIVE_BUFFER) {
            throw new IllegalArgumentException("SO_RCVBUF not within 1.." + TcpSettings.MAX_RECEIVE_BUFFER + ": "
                    + receiveBufferSize);
        }
        this.receiveBufferSize = receiveBufferSize;
        channel.settingsChanged();
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return keepAlive;
    }

    @Override
    public TcpChannelConfig setKeepAlive(boolean keepAlive) {
        this.keepAlive = keepAlive;
        channel.settingsChanged();
        return this;
    }

    /** {@return the seconds idle before the first keepalive probe} */
    public int getKeepIdle() {
        return keepIdle;
    }

    /**
     * Sets the seconds a connection is idle before the first keepalive probe.
     *
     * @param seconds 1 or more
     * @return this configuration
     */
    public TcpChannelConfig setKeepIdle(int seconds) {
        keepIdle = positive("TCP_KEEPIDLE", seconds);
        channel.settingsChanged();
        return this;
    }

    /** {@return the seconds between unanswered keepalive probes} */
    public int getKeepInterval() {
        return keepInterval;
    }

    /**
     * Sets the seconds between unanswered keepalive probes.
     *
     * @param seconds 1 or more
     * @return this configuration
     */
    public TcpChannelConfig setKeepInterval(int seconds) {
        keepInterval = positive("TCP_KEEPINTVL", seconds);
        channel.settingsChanged();
        return this;
    }

    /** {@return the unanswered keepalive probes before the connection times out} */
    public int getKeepCount() {
        return keepCount;
    }

    /**
     * Sets the unanswered keepalive probes before the connection times out.
     *
     * @param probes 1 or more
     * @return this configuration
     */
    public TcpChannelConfig setKeepCount(int probes) {
        keepCount = positive("TCP_KEEPCNT", probes);
        channel.settingsChanged();
        return this;
    }

    private static int positive(String option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " not positive: " + value);
        }
        return value;
    }

    @Override
    public int getTrafficClass() {
        return trafficClass;
    }

    @Override
    public TcpChannelConfig setTrafficClass(int trafficClass) {
        this.trafficClass = trafficClass;
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return reuseAddress;
    }

    @Override
    public TcpChannelConfig setReuseAddress(boolean reuseAddress) {
        this.reuseAddress = reuseAddress;
        return this;
    }

    @Override
    public TcpChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public TcpChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    @Override
    public TcpChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public TcpChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public TcpChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public TcpChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public TcpChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public TcpChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public TcpChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public TcpChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public TcpChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }
}
