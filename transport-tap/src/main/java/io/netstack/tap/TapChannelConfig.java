package io.netstack.tap;

import io.netstack.wire.CidrAddress;
import io.netstack.wire.MacAddress;
import io.netstack.tap.linux.LinkState;
import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.linux.TunTapDevice;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The configuration of a {@link TapChannel}: Netty's usual options plus {@link TapChannelOption}s. */
public final class TapChannelConfig extends DefaultChannelConfig {
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
     * the buffer just released back, still hot. Measured with the benchmark topology, epoll, 9000-byte frames, 12
     * windows each, alternating: median 285k frames/s pooled, 243k adaptive; the same at 64 and 1500 bytes.
     */
    private static final ByteBufAllocator DEFAULT_ALLOCATOR = System.getProperty("io.netty.allocator.type") == null
            ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;

    private final TapChannel channel;
    private final DeviceSettings requested = new DeviceSettings();
    private volatile boolean exclusive = true;
    private volatile boolean multiQueue;
    private volatile int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;
    private volatile int ioUringReadDepth = DEFAULT_IO_URING_READ_DEPTH;
    /** Before bind, the offloads asked for ({@code null}: no vnet header); once bound, those the kernel took. */
    private volatile Set<TunOffload> offloads;
    private volatile int vnetHeaderLength;

    TapChannelConfig(TapChannel channel) {
        super(channel, new FrameRecvByteBufAllocator());
        this.channel = channel;
        super.setAllocator(DEFAULT_ALLOCATOR);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), TapChannelOption.EXCLUSIVE, TapChannelOption.MULTI_QUEUE,
                TapChannelOption.PERSISTENT, TapChannelOption.OWNER, TapChannelOption.GROUP, TapChannelOption.MTU,
                TapChannelOption.MAC_ADDRESS, TapChannelOption.TX_QUEUE_LENGTH, TapChannelOption.CARRIER,
                TapChannelOption.ADDRESSES, TapChannelOption.LINK_UP, TapChannelOption.IO_URING_READ_DEPTH,
                TapChannelOption.OFFLOADS);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        Object value;
        if (option == TapChannelOption.EXCLUSIVE) {
            value = isExclusive();
        } else if (option == TapChannelOption.MULTI_QUEUE) {
            value = isMultiQueue();
        } else if (option == TapChannelOption.PERSISTENT) {
            value = isPersistent();
        } else if (option == TapChannelOption.OWNER) {
            value = getOwner();
        } else if (option == TapChannelOption.GROUP) {
            value = getGroup();
        } else if (option == TapChannelOption.MTU) {
            value = getMtu();
        } else if (option == TapChannelOption.MAC_ADDRESS) {
            value = getMacAddress();
        } else if (option == TapChannelOption.TX_QUEUE_LENGTH) {
            value = getTxQueueLength();
        } else if (option == TapChannelOption.CARRIER) {
            value = isCarrier();
        } else if (option == TapChannelOption.ADDRESSES) {
            value = getAddresses();
        } else if (option == TapChannelOption.LINK_UP) {
            value = isLinkUp();
        } else if (option == TapChannelOption.IO_URING_READ_DEPTH) {
            value = getIoUringReadDepth();
        } else if (option == TapChannelOption.OFFLOADS) {
            value = getOffloads();
        } else {
            return super.getOption(option);
        }
        return (T) value;
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == TapChannelOption.EXCLUSIVE) {
            setExclusive((Boolean) value);
        } else if (option == TapChannelOption.MULTI_QUEUE) {
            setMultiQueue((Boolean) value);
        } else if (option == TapChannelOption.PERSISTENT) {
            setPersistent((Boolean) value);
        } else if (option == TapChannelOption.OWNER) {
            setOwner((Integer) value);
        } else if (option == TapChannelOption.GROUP) {
            setGroup((Integer) value);
        } else if (option == TapChannelOption.MTU) {
            setMtu((Integer) value);
        } else if (option == TapChannelOption.MAC_ADDRESS) {
            setMacAddress((MacAddress) value);
        } else if (option == TapChannelOption.TX_QUEUE_LENGTH) {
            setTxQueueLength((Integer) value);
        } else if (option == TapChannelOption.CARRIER) {
            setCarrier((Boolean) value);
        } else if (option == TapChannelOption.ADDRESSES) {
            setAddresses((List<CidrAddress>) value);
        } else if (option == TapChannelOption.LINK_UP) {
            setLinkUp((Boolean) value);
        } else if (option == TapChannelOption.IO_URING_READ_DEPTH) {
            setIoUringReadDepth((Integer) value);
        } else if (option == TapChannelOption.OFFLOADS) {
            setOffloads((Set<TunOffload>) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** See {@link TapChannelOption#EXCLUSIVE}. */
    public boolean isExclusive() {
        return exclusive;
    }

    /** See {@link TapChannelOption#EXCLUSIVE}; only before bind. */
    public TapChannelConfig setExclusive(boolean exclusive) {
        checkUnbound(TapChannelOption.EXCLUSIVE);
        this.exclusive = exclusive;
        return this;
    }

    /** See {@link TapChannelOption#MULTI_QUEUE}. */
    public boolean isMultiQueue() {
        return multiQueue;
    }

    /** See {@link TapChannelOption#MULTI_QUEUE}; only before bind. */
    public TapChannelConfig setMultiQueue(boolean multiQueue) {
        checkUnbound(TapChannelOption.MULTI_QUEUE);
        this.multiQueue = multiQueue;
        return this;
    }

    /**
     * See {@link TapChannelOption#OFFLOADS}: before bind, the offloads asked for; once bound, those the kernel
     * accepted; {@code null} if the channel has (or will have) no {@code virtio_net_hdr}.
     */
    public Set<TunOffload> getOffloads() {
        Set<TunOffload> current = offloads;
        return current == null ? null : Set.copyOf(current);
    }

    /** See {@link TapChannelOption#OFFLOADS}; only before bind; {@code null} for frames without a header. */
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

    /** See {@link TapChannelOption#IO_URING_READ_DEPTH}. */
    public int getIoUringReadDepth() {
        return ioUringReadDepth;
    }

    /** See {@link TapChannelOption#IO_URING_READ_DEPTH}; only before the channel is registered. */
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
        if (channel.device() != null) {
            throw new IllegalStateException(option + " is chosen when the device is opened: set it before bind");
        }
    }

    /** See {@link TapChannelOption#PERSISTENT}; once bound, as the kernel reports it. */
    public boolean isPersistent() {
        LinkState link = kernelLink();
        return link != null ? link.tun().persistent() : Boolean.TRUE.equals(requested.persistent);
    }

    public TapChannelConfig setPersistent(boolean persistent) {
        return apply(() -> requested.persistent = persistent, device -> device.setPersistent(persistent));
    }

    /** See {@link TapChannelOption#OWNER}; -1 (or {@code null} before bind) for none. */
    public Integer getOwner() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf((int) link.tun().owner()) : requested.owner;
    }

    public TapChannelConfig setOwner(int uid) {
        return apply(() -> requested.owner = uid, device -> device.setOwner(uid));
    }

    /** See {@link TapChannelOption#GROUP}; -1 (or {@code null} before bind) for none. */
    public Integer getGroup() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf((int) link.tun().group()) : requested.group;
    }

    public TapChannelConfig setGroup(int gid) {
        return apply(() -> requested.group = gid, device -> device.setGroup(gid));
    }

    /** See {@link TapChannelOption#MTU}; once bound, the kernel's current value, which read buffers then follow. */
    public Integer getMtu() {
        LinkState link = kernelLink();
        if (link == null) {
            return requested.mtu;
        }
        channel.mtuChanged(link.mtu());
        return link.mtu();
    }

    public TapChannelConfig setMtu(int mtu) {
        return apply(() -> requested.mtu = mtu, device -> {
            NetDeviceControl.setMtu(device.name(), mtu);
            channel.mtuChanged(mtu);
        });
    }

    /** See {@link TapChannelOption#MAC_ADDRESS}. */
    public MacAddress getMacAddress() {
        LinkState link = kernelLink();
        return link != null ? link.macAddress() : requested.macAddress;
    }

    /**
     * @throws IllegalArgumentException if {@code mac} is a multicast address
     */
    public TapChannelConfig setMacAddress(MacAddress mac) {
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("MAC address " + mac
                    + " is a multicast address (lowest bit of the first octet set); a device needs a unicast one");
        }
        return apply(() -> requested.macAddress = mac, device -> NetDeviceControl.setMacAddress(device.name(), mac));
    }

    /** See {@link TapChannelOption#TX_QUEUE_LENGTH}. */
    public Integer getTxQueueLength() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf(link.txQueueLength()) : requested.txQueueLength;
    }

    /**
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public TapChannelConfig setTxQueueLength(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("TX_QUEUE_LENGTH must not be negative: " + length);
        }
        return apply(() -> requested.txQueueLength = length,
                device -> NetDeviceControl.setTxQueueLength(device.name(), length));
    }

    /** See {@link TapChannelOption#CARRIER}. */
    public Boolean isCarrier() {
        LinkState link = kernelLink();
        return link != null ? Boolean.valueOf(link.carrier()) : requested.carrier;
    }

    public TapChannelConfig setCarrier(boolean carrier) {
        return apply(() -> requested.carrier = carrier, device -> device.setCarrier(carrier));
    }

    /** See {@link TapChannelOption#ADDRESSES}; once bound, every address the kernel has on the device. */
    public List<CidrAddress> getAddresses() {
        TunTapDevice device = channel.device();
        if (device == null) {
            return requested.addresses;
        }
        return channel.askKernel(() -> NetDeviceControl.addresses(device.name()), "read the addresses of");
    }

    /** Before bind: the addresses to add. Once bound: adds each of them now. */
    public TapChannelConfig setAddresses(List<CidrAddress> addresses) {
        List<CidrAddress> copy = List.copyOf(addresses);
        return apply(() -> requested.addresses = copy, device -> {
            for (CidrAddress address : copy) {
                NetDeviceControl.addAddress(device.name(), address);
            }
        });
    }

    /** See {@link TapChannelOption#LINK_UP}. */
    public Boolean isLinkUp() {
        LinkState link = kernelLink();
        return link != null ? Boolean.valueOf(link.up()) : requested.linkUp;
    }

    public TapChannelConfig setLinkUp(boolean up) {
        return apply(() -> requested.linkUp = up, device -> NetDeviceControl.setUp(device.name(), up));
    }

    @Override
    protected void autoReadCleared() {
        channel.autoReadCleared();
    }

    /** What the channel applies to the device when it binds. */
    DeviceSettings requested() {
        return requested;
    }

    private LinkState kernelLink() {
        TunTapDevice device = channel.device();
        if (device == null) {
            return null;
        }
        return channel.askKernel(() -> NetDeviceControl.link(device.name()), "read the link state of");
    }

    /** Before bind, remembers the setting; once bound, applies it to the device at once (on the channel's loop). */
    private TapChannelConfig apply(Runnable remember, DeviceChange change) {
        TunTapDevice device = channel.device();
        if (device == null) {
            remember.run();
            return this;
        }
        channel.askKernel(() -> {
            change.applyTo(device);
            return null;
        }, "configure");
        return this;
    }

    @FunctionalInterface
    private interface DeviceChange {
        void applyTo(TunTapDevice device) throws TunTapException;
    }

    /**
     * The longest frame the device hands over or accepts: its MTU, plus {@value #TAP_LINK_OVERHEAD} bytes of Ethernet
     * header and VLAN tag in TAP mode; or, once segmentation offloads are on, a super-frame carrying a packet of
     * {@link #MAX_SUPER_PACKET_LENGTH}. Read buffers are this large (plus the vnet header); longer outbound frames
     * fail their promise. (On a channel with a vnet header, outbound frames may always be super-frames.)
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
