package io.netstack.tap;

import io.netstack.wire.LinkLayer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The configuration of a {@link TapChannel}: Netty's usual options plus {@link TapChannelOption}s. */
public final class TapChannelConfig extends DeviceConfig {
    /** Ethernet header (14 bytes) plus one 802.1Q tag (4 bytes): what a TAP frame carries beyond the MTU. */
    public static final int TAP_LINK_OVERHEAD = 18;
    /** The largest frame of a TAP device with the kernel's default MTU of 1500, used until the channel is bound. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1500 + TAP_LINK_OVERHEAD;
    /**
     * The largest IP packet a super-frame carries: an IPv6 header and the largest payload its 16-bit length allows
     * (an IPv4 packet, header included, stops at 65535 bytes). Linux's TSO and GRO stay below it unless the device's
     * {@code gso_max_size} is raised for BIG TCP, which netstack does not do.
     */
    public static final int MAX_SUPER_PACKET_LENGTH = 0xffff + 40;
    /**
     * The most reads kept in flight on an io_uring loop unless {@link TapChannelOption#IO_URING_READ_DEPTH} says
     * otherwise; the channel keeps fewer while the device has no backlog.
     */
    public static final int DEFAULT_IO_URING_READ_DEPTH = 32;

    /**
     * The pooled allocator, unless the user chose one for the whole JVM with {@code -Dio.netty.allocator.type}.
     * Netty 4.2's default (adaptive) allocator hands out each new frame buffer from the next slot of a chunk, so a
     * reader of jumbo frames writes into memory that has left the cache; the pooled allocator's thread cache gives
     * the buffer just released back, still hot (with jumbo frames the pooled allocator reads markedly more frames
     * per second; with 64- and 1500-byte frames the two are even).
     */
    private static final ByteBufAllocator DEFAULT_ALLOCATOR = System.getProperty("io.netty.allocator.type") == null
            ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;

    /** The options this class handles itself; the others are Netty's. */
    private static final Set<ChannelOption<?>> TAP_OPTIONS = Set.of(TapChannelOption.EXCLUSIVE,
            TapChannelOption.MULTI_QUEUE, TapChannelOption.PERSISTENT, TapChannelOption.OWNER, TapChannelOption.GROUP,
            TapChannelOption.MTU, TapChannelOption.MAC_ADDRESS, TapChannelOption.TX_QUEUE_LENGTH,
            TapChannelOption.CARRIER, TapChannelOption.ADDRESSES, TapChannelOption.LINK_UP,
            TapChannelOption.IO_URING_READ_DEPTH, TapChannelOption.OFFLOADS);

    private final TapChannel channel;
    private volatile boolean exclusive = true;
    private volatile boolean multiQueue;
    private volatile int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;
    private volatile LinkLayer linkLayer = LinkLayer.ETHERNET;
    private volatile int ioUringReadDepth = DEFAULT_IO_URING_READ_DEPTH;
    /** Before bind, the offloads asked for ({@code null}: no vnet header); once bound, those the kernel took. */
    private volatile Set<TunOffload> offloads;
    private volatile int vnetHeaderLength;
    /** An option value {@link #setOption} refused before bind, which the bind then fails with. */
    private volatile IllegalArgumentException rejectedOption;

    TapChannelConfig(TapChannel channel) {
        super(channel, new FrameRecvByteBufAllocator());
        this.channel = channel;
        super.setAllocator(DEFAULT_ALLOCATOR);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), TAP_OPTIONS.toArray(ChannelOption<?>[]::new));
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == TapChannelOption.EXCLUSIVE) {
            return (T) Boolean.valueOf(isExclusive());
        } else if (option == TapChannelOption.MULTI_QUEUE) {
            return (T) Boolean.valueOf(isMultiQueue());
        } else if (option == TapChannelOption.IO_URING_READ_DEPTH) {
            return (T) Integer.valueOf(getIoUringReadDepth());
        } else if (option == TapChannelOption.OFFLOADS) {
            return (T) getOffloads();
        } else if (TAP_OPTIONS.contains(option)) {
            return (T) getDeviceOption(option);
        }
        return super.getOption(option);
    }

    /**
     * Sets a Netty option, or a {@link TapChannelOption}. A value a TapChannelOption refuses before bind (a multicast
     * {@link TapChannelOption#MAC_ADDRESS}, say) is recorded rather than thrown, and the bind fails with it: a
     * {@code Bootstrap} would only log what this throws, and bind anyway.
     *
     * @param option the option
     * @param value  its value
     * @param <T>    the option's type
     * @return {@code true} if the option is known and was set, as {@link io.netty.channel.ChannelConfig} says
     */
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (!TAP_OPTIONS.contains(option)) {
            return super.setOption(option, value);
        }
        try {
            if (option == TapChannelOption.EXCLUSIVE) {
                setExclusive((Boolean) value);
            } else if (option == TapChannelOption.MULTI_QUEUE) {
                setMultiQueue((Boolean) value);
            } else if (option == TapChannelOption.IO_URING_READ_DEPTH) {
                setIoUringReadDepth((Integer) value);
            } else if (option == TapChannelOption.OFFLOADS) {
                setOffloads((Set<TunOffload>) value);
            } else {
                setDeviceOption(option, value);
            }
        } catch (IllegalArgumentException e) {
            if (channel.lifecycle().device() != null) {
                throw e;
            }
            rejectedOption = e;
        }
        return true;
    }

    /** At bind: fails with the option value {@link #setOption} refused, if any. */
    void checkRejectedOptions() {
        IllegalArgumentException rejected = rejectedOption;
        if (rejected != null) {
            throw new IllegalArgumentException(rejected.getMessage(), rejected);
        }
    }

    /** {@return whether the bind refuses a device that already exists; see {@link TapChannelOption#EXCLUSIVE}} */
    public boolean isExclusive() {
        return exclusive;
    }

    /**
     * Sets {@link TapChannelOption#EXCLUSIVE}; only before bind.
     *
     * @param exclusive {@code true} (the default) for a bind that must create the device, {@code false} to attach
     *                  to an existing one as well
     * @return this
     * @throws IllegalStateException if the channel is bound
     */
    public TapChannelConfig setExclusive(boolean exclusive) {
        checkUnbound(TapChannelOption.EXCLUSIVE);
        this.exclusive = exclusive;
        return this;
    }

    /** {@return whether the device is opened with a queue per channel; see {@link TapChannelOption#MULTI_QUEUE}} */
    public boolean isMultiQueue() {
        return multiQueue;
    }

    /**
     * Sets {@link TapChannelOption#MULTI_QUEUE}; only before bind. Every channel that shares the device sets it,
     * the first one creating the device with it.
     *
     * @param multiQueue whether the device has (or gets) a queue per channel
     * @return this
     * @throws IllegalStateException if the channel is bound
     */
    public TapChannelConfig setMultiQueue(boolean multiQueue) {
        checkUnbound(TapChannelOption.MULTI_QUEUE);
        this.multiQueue = multiQueue;
        return this;
    }

    /**
     * See {@link TapChannelOption#OFFLOADS}.
     *
     * @return before bind, the offloads asked for; once bound, those the kernel accepted, which may be fewer;
     *         {@code null} if the channel has (or will have) no {@code virtio_net_hdr}. An unmodifiable copy.
     */
    public Set<TunOffload> getOffloads() {
        Set<TunOffload> current = offloads;
        return current == null ? null : Set.copyOf(current);
    }

    /**
     * Sets {@link TapChannelOption#OFFLOADS}; only before bind.
     *
     * @param offloads the offloads to ask the kernel for, copied; empty for the header without offloads,
     *                 {@code null} for frames without a header
     * @return this
     * @throws IllegalStateException if the channel is bound
     */
    public TapChannelConfig setOffloads(Set<TunOffload> offloads) {
        checkUnbound(TapChannelOption.OFFLOADS);
        this.offloads = offloads == null ? null
                : offloads.isEmpty() ? EnumSet.noneOf(TunOffload.class) : EnumSet.copyOf(offloads);
        return this;
    }

    /** At bind: what the kernel accepted, and the header length that now precedes every frame. */
    void offloadsEnabled(Set<TunOffload> enabled, int headerLength) {
        offloads = enabled;
        vnetHeaderLength = headerLength;
    }

    /** The {@code virtio_net_hdr} length before each frame read or written: 0 without offloads. */
    int vnetHeaderLength() {
        return vnetHeaderLength;
    }

    /**
     * How large a read buffer must be: the longest frame, its vnet header, and one byte more. A read into a buffer too
     * small for the frame returns what fit, not the frame's length, so only a frame that fills its buffer to the last
     * byte tells that the MTU grew behind the channel's back and the frame was cut short.
     */
    int readBufferLength() {
        return vnetHeaderLength + maxFrameLength + 1;
    }

    /**
     * {@return the most reads kept in flight on an io_uring loop; see {@link TapChannelOption#IO_URING_READ_DEPTH}}
     */
    public int getIoUringReadDepth() {
        return ioUringReadDepth;
    }

    /**
     * Sets {@link TapChannelOption#IO_URING_READ_DEPTH}; only before the channel is registered. An epoll loop
     * ignores it.
     *
     * @param depth the most reads in flight, 1 to 1024
     * @return this
     * @throws IllegalArgumentException if {@code depth} is out of range
     * @throws IllegalStateException    if the channel is registered
     */
    public TapChannelConfig setIoUringReadDepth(int depth) {
        if (depth < 1 || depth > 1024) {
            throw new IllegalArgumentException("IO_URING_READ_DEPTH must be 1..1024: " + depth);
        }
        if (channel.isRegistered()) {
            throw new IllegalStateException("IO_URING_READ_DEPTH is chosen at registration: set it before");
        }
        this.ioUringReadDepth = depth;
        return this;
    }

    private void checkUnbound(ChannelOption<?> option) {
        if (channel.lifecycle().device() != null) {
            throw new IllegalStateException(option + " is chosen when the device is opened: set it before bind");
        }
    }

    @Override
    protected void autoReadCleared() {
        channel.autoReadCleared();
    }

    /** At bind: the device's kind and MTU, by which frames are measured from now on. */
    void linkBound(LinkLayer mode, int mtu) {
        linkLayer = mode;
        mtuChanged(mtu);
    }

    /** Read buffers follow the MTU; called whenever the channel learns the kernel's current value. */
    void mtuChanged(int mtu) {
        int overhead = linkLayer == LinkLayer.ETHERNET ? TAP_LINK_OVERHEAD : 0;
        maxFrameLength = overhead + (receivesSuperFrames() ? MAX_SUPER_PACKET_LENGTH : mtu);
    }

    /** Whether the kernel may hand over super-frames: a segmentation offload is on. */
    private boolean receivesSuperFrames() {
        Set<TunOffload> current = offloads;
        return current != null && (current.contains(TunOffload.TSO4) || current.contains(TunOffload.TSO6)
                || current.contains(TunOffload.USO4) || current.contains(TunOffload.USO6));
    }

    /**
     * The longest frame the device hands over or accepts: its MTU, plus {@value #TAP_LINK_OVERHEAD} bytes of Ethernet
     * header and VLAN tag in TAP mode; or, once segmentation offloads are on, a super-frame carrying a packet of
     * {@link #MAX_SUPER_PACKET_LENGTH}. Read buffers are this large (plus the vnet header); longer outbound frames
     * fail their promise. (On a channel with a vnet header, outbound frames may always be super-frames.)
     *
     * @return the longest frame, in bytes
     */
    public int getMaxFrameLength() {
        return maxFrameLength;
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
