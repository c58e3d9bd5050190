package io.netstack.tap;

import io.netstack.tap.linux.LinkState;
import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.linux.TunTapDevice;
import io.netstack.wire.CidrAddress;
import io.netstack.wire.MacAddress;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.RecvByteBufAllocator;

import java.util.List;

/**
 * The device settings of a {@link TapChannelConfig} (the {@link TapChannelOption}s that configure the device rather
 * than the channel): before bind they are remembered, and the bind applies them ({@link DeviceSettings}); once bound,
 * each is read from or applied to the kernel at once, on the channel's loop, in the device's network namespace.
 */
abstract class DeviceConfig extends DefaultChannelConfig {
    private final TapChannel channel;
    private final DeviceSettings requested = new DeviceSettings();

    DeviceConfig(TapChannel channel, RecvByteBufAllocator allocator) {
        super(channel, allocator);
        this.channel = channel;
    }

    /** Read buffers follow the MTU; called whenever the channel learns the kernel's current value. */
    abstract void mtuChanged(int mtu);

    /** What the channel applies to the device when it binds. */
    DeviceSettings deviceSettings() {
        return requested;
    }

    /** The value of a device setting {@code option}. */
    Object getDeviceOption(ChannelOption<?> option) {
        if (option == TapChannelOption.PERSISTENT) {
            return isPersistent();
        } else if (option == TapChannelOption.OWNER) {
            return getOwner();
        } else if (option == TapChannelOption.GROUP) {
            return getGroup();
        } else if (option == TapChannelOption.MTU) {
            return getMtu();
        } else if (option == TapChannelOption.MAC_ADDRESS) {
            return getMacAddress();
        } else if (option == TapChannelOption.TX_QUEUE_LENGTH) {
            return getTxQueueLength();
        } else if (option == TapChannelOption.CARRIER) {
            return isCarrier();
        } else if (option == TapChannelOption.ADDRESSES) {
            return getAddresses();
        } else if (option == TapChannelOption.LINK_UP) {
            return isLinkUp();
        }
        throw new IllegalArgumentException(option + " is not a device setting");
    }

    /** Sets the device setting {@code option}. */
    @SuppressWarnings("unchecked")
    void setDeviceOption(ChannelOption<?> option, Object value) {
        if (option == TapChannelOption.PERSISTENT) {
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
        } else {
            throw new IllegalArgumentException(option + " is not a device setting");
        }
    }

    /**
     * See {@link TapChannelOption#PERSISTENT}; once bound, as the kernel reports it.
     *
     * @return see {@link TapChannelOption#PERSISTENT}; once bound, as the kernel reports it
     */
    public boolean isPersistent() {
        LinkState link = kernelLink();
        return link != null ? link.tun().persistent() : Boolean.TRUE.equals(requested.persistent);
    }

    /**
     * See {@link TapChannelOption#PERSISTENT}: before bind, remembered; once bound, applied at once.
     *
     * @param persistent whether the device outlives the channel
     * @return this
     */
    public TapChannelConfig setPersistent(boolean persistent) {
        apply(() -> requested.persistent = persistent, device -> device.setPersistent(persistent));
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#OWNER}; -1 (or {@code null} before bind) for none.
     *
     * @return see {@link TapChannelOption#OWNER}; -1 (or {@code null} before bind) for none
     */
    public Integer getOwner() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf((int) link.tun().owner()) : requested.owner;
    }

    /**
     * See {@link TapChannelOption#OWNER}.
     *
     * @param uid the user who may attach to the device
     * @return this
     */
    public TapChannelConfig setOwner(int uid) {
        apply(() -> requested.owner = uid, device -> device.setOwner(uid));
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#GROUP}; -1 (or {@code null} before bind) for none.
     *
     * @return see {@link TapChannelOption#GROUP}; -1 (or {@code null} before bind) for none
     */
    public Integer getGroup() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf((int) link.tun().group()) : requested.group;
    }

    /**
     * See {@link TapChannelOption#GROUP}.
     *
     * @param gid the group whose members may attach to the device
     * @return this
     */
    public TapChannelConfig setGroup(int gid) {
        apply(() -> requested.group = gid, device -> device.setGroup(gid));
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#MTU}; once bound, the kernel's current value, which read buffers then follow.
     *
     * @return see {@link TapChannelOption#MTU}; once bound, the kernel's current value, which read buffers then follow
     */
    public Integer getMtu() {
        LinkState link = kernelLink();
        if (link == null) {
            return requested.mtu;
        }
        mtuChanged(link.mtu());
        return link.mtu();
    }

    /**
     * See {@link TapChannelOption#MTU}.
     *
     * @param mtu the largest packet the device carries
     * @return this
     */
    public TapChannelConfig setMtu(int mtu) {
        apply(() -> requested.mtu = mtu, device -> {
            NetDeviceControl.setMtu(device.name(), mtu);
            mtuChanged(mtu);
        });
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#MAC_ADDRESS}.
     *
     * @return see {@link TapChannelOption#MAC_ADDRESS}
     */
    public MacAddress getMacAddress() {
        LinkState link = kernelLink();
        return link != null ? link.macAddress() : requested.macAddress;
    }

    /**
     * See {@link TapChannelOption#MAC_ADDRESS}.
     *
     * @param mac the device's unicast address
     * @return this
     * @throws IllegalArgumentException if {@code mac} is a multicast address
     */
    public TapChannelConfig setMacAddress(MacAddress mac) {
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("MAC address " + mac
                    + " is a multicast address (lowest bit of the first octet set); a device needs a unicast one");
        }
        apply(() -> requested.macAddress = mac, device -> NetDeviceControl.setMacAddress(device.name(), mac));
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#TX_QUEUE_LENGTH}.
     *
     * @return see {@link TapChannelOption#TX_QUEUE_LENGTH}
     */
    public Integer getTxQueueLength() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf(link.txQueueLength()) : requested.txQueueLength;
    }

    /**
     * See {@link TapChannelOption#TX_QUEUE_LENGTH}.
     *
     * @param length the frames the kernel queues for the channel
     * @return this
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public TapChannelConfig setTxQueueLength(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("TX_QUEUE_LENGTH must not be negative: " + length);
        }
        apply(() -> requested.txQueueLength = length,
                device -> NetDeviceControl.setTxQueueLength(device.name(), length));
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#CARRIER}.
     *
     * @return see {@link TapChannelOption#CARRIER}
     */
    public Boolean isCarrier() {
        LinkState link = kernelLink();
        return link != null ? Boolean.valueOf(link.carrier()) : requested.carrier;
    }

    /**
     * See {@link TapChannelOption#CARRIER}.
     *
     * @param carrier whether the device reports a carrier
     * @return this
     */
    public TapChannelConfig setCarrier(boolean carrier) {
        apply(() -> requested.carrier = carrier, device -> device.setCarrier(carrier));
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#ADDRESSES}; once bound, every address the kernel has on the device.
     *
     * @return see {@link TapChannelOption#ADDRESSES}; once bound, every address the kernel has on the device
     */
    public List<CidrAddress> getAddresses() {
        TunTapDevice device = channel.lifecycle().device();
        if (device == null) {
            return requested.addresses;
        }
        return channel.lifecycle().askKernel(() -> NetDeviceControl.addresses(device.name()), "read the addresses of");
    }

    /**
     * See {@link TapChannelOption#ADDRESSES}: before bind, the addresses to add; once bound, adds each of them now.
     *
     * @param addresses the addresses, with their prefix lengths
     * @return this
     */
    public TapChannelConfig setAddresses(List<CidrAddress> addresses) {
        List<CidrAddress> copy = List.copyOf(addresses);
        apply(() -> requested.addresses = copy, device -> {
            for (CidrAddress address : copy) {
                NetDeviceControl.addAddress(device.name(), address);
            }
        });
        return (TapChannelConfig) this;
    }

    /**
     * See {@link TapChannelOption#LINK_UP}.
     *
     * @return see {@link TapChannelOption#LINK_UP}
     */
    public Boolean isLinkUp() {
        LinkState link = kernelLink();
        return link != null ? Boolean.valueOf(link.up()) : requested.linkUp;
    }

    /**
     * See {@link TapChannelOption#LINK_UP}.
     *
     * @param up whether the link is up
     * @return this
     */
    public TapChannelConfig setLinkUp(boolean up) {
        apply(() -> requested.linkUp = up, device -> NetDeviceControl.setUp(device.name(), up));
        return (TapChannelConfig) this;
    }

    private LinkState kernelLink() {
        TunTapDevice device = channel.lifecycle().device();
        if (device == null) {
            return null;
        }
        return channel.lifecycle().askKernel(() -> NetDeviceControl.link(device.name()), "read the link state of");
    }

    /** Before bind, remembers the setting; once bound, applies it to the device at once (on the channel's loop). */
    private void apply(Runnable remember, DeviceChange change) {
        TunTapDevice device = channel.lifecycle().device();
        if (device == null) {
            remember.run();
            return;
        }
        channel.lifecycle().askKernel(() -> {
            change.applyTo(device);
            return null;
        }, "configure");
    }

    @FunctionalInterface
    private interface DeviceChange {
        void applyTo(TunTapDevice device) throws TunTapException;
    }
}
