package io.netstack.tap;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

import java.util.Map;

/** The configuration of a {@link TapChannel}: Netty's usual options plus {@link TapChannelOption}s. */
public final class TapChannelConfig extends DefaultChannelConfig {
    /** Ethernet header (14 bytes) plus one 802.1Q tag (4 bytes): what a TAP frame carries beyond the MTU. */
    public static final int TAP_LINK_OVERHEAD = 18;
    /** The largest frame of a TAP device with the kernel's default MTU of 1500, used until the channel is bound. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1500 + TAP_LINK_OVERHEAD;

    private volatile boolean exclusive = true;
    private volatile int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;

    TapChannelConfig(TapChannel channel) {
        super(channel, new FrameRecvByteBufAllocator());
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), TapChannelOption.EXCLUSIVE);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == TapChannelOption.EXCLUSIVE) {
            return (T) Boolean.valueOf(isExclusive());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == TapChannelOption.EXCLUSIVE) {
            setExclusive((Boolean) value);
            return true;
        }
        return super.setOption(option, value);
    }

    /** See {@link TapChannelOption#EXCLUSIVE}. */
    public boolean isExclusive() {
        return exclusive;
    }

    /** See {@link TapChannelOption#EXCLUSIVE}; takes effect at bind. */
    public TapChannelConfig setExclusive(boolean exclusive) {
        this.exclusive = exclusive;
        return this;
    }

    /**
     * The longest frame the device hands over or accepts: its MTU, plus {@value #TAP_LINK_OVERHEAD} bytes of Ethernet
     * header and VLAN tag in TAP mode. Read buffers are this large; longer outbound frames fail their promise.
     */
    public int getMaxFrameLength() {
        return maxFrameLength;
    }

    void setMaxFrameLength(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    public TapChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public TapChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public TapChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public TapChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public TapChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public TapChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    public TapChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public TapChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public TapChannelConfig setMaxMessagesPerWrite(int maxMessagesPerWrite) {
        super.setMaxMessagesPerWrite(maxMessagesPerWrite);
        return this;
    }

    @Override
    public TapChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public TapChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }
}
