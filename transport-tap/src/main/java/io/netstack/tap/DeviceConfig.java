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
     * {@return whether the device outlives the channel} Once bound, as the kernel reports it; before bind, what was
     * asked for ({@code false} unless set).
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public boolean isPersistent() {
        LinkState link = kernelLink();
        return link != null ? link.tun().persistent() : Boolean.TRUE.equals(requested.persistent);
    }

    /**
     * Sets {@link TapChannelOption#PERSISTENT}: before bind, remembered for the bind; once bound, applied at once.
     *
     * @param persistent whether the device outlives the channel, to be deleted with {@code ip link del} or by
     *                   another channel that clears the flag
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
     */
    public TapChannelConfig setPersistent(boolean persistent) {
        apply(() -> requested.persistent = persistent, device -> device.setPersistent(persistent));
        return (TapChannelConfig) this;
    }

    /**
     * {@return the uid that may attach to the device without CAP_NET_ADMIN} Once bound, as the kernel reports it,
     * -1 for none; before bind, what was asked for, {@code null} if nothing was.
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public Integer getOwner() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf((int) link.tun().owner()) : requested.owner;
    }

    /**
     * Sets {@link TapChannelOption#OWNER}: before bind, remembered for the bind, which then needs
     * {@link TapChannelOption#PERSISTENT} too; once bound, applied at once.
     *
     * @param uid the user who may attach to the device without CAP_NET_ADMIN, or -1 for none
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
     */
    public TapChannelConfig setOwner(int uid) {
        apply(() -> requested.owner = uid, device -> device.setOwner(uid));
        return (TapChannelConfig) this;
    }

    /**
     * {@return the gid whose members may attach to the device without CAP_NET_ADMIN} Once bound, as the kernel
     * reports it, -1 for none; before bind, what was asked for, {@code null} if nothing was.
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public Integer getGroup() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf((int) link.tun().group()) : requested.group;
    }

    /**
     * Sets {@link TapChannelOption#GROUP}: before bind, remembered for the bind, which then needs
     * {@link TapChannelOption#PERSISTENT} too; once bound, applied at once.
     *
     * @param gid the group whose members may attach to the device without CAP_NET_ADMIN, or -1 for none
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
     */
    public TapChannelConfig setGroup(int gid) {
        apply(() -> requested.group = gid, device -> device.setGroup(gid));
        return (TapChannelConfig) this;
    }

    /**
     * {@return the device's MTU in bytes} Once bound, the kernel's current value, which the read buffers then follow
     * even if something else changed it; before bind, what was asked for, {@code null} if nothing was (the kernel's
     * default is 1500).
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
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
     * Sets {@link TapChannelOption#MTU}: before bind, remembered for the bind; once bound, applied at once, and the
     * read buffers follow it.
     *
     * @param mtu the largest IP packet the device carries, in bytes, link header excluded: 68 to 65521 on a TAP
     *            device, to 65535 on a TUN device
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
     */
    public TapChannelConfig setMtu(int mtu) {
        apply(() -> requested.mtu = mtu, device -> {
            NetDeviceControl.setMtu(device.name(), mtu);
            mtuChanged(mtu);
        });
        return (TapChannelConfig) this;
    }

    /**
     * {@return the MAC address of the kernel's side of the device} Once bound, as the kernel reports it (a random
     * one unless set; {@code null} for a TUN device, which has none); before bind, what was asked for, {@code null}
     * if nothing was.
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public MacAddress getMacAddress() {
        LinkState link = kernelLink();
        return link != null ? link.macAddress() : requested.macAddress;
    }

    /**
     * Sets {@link TapChannelOption#MAC_ADDRESS} of a TAP device: before bind, remembered for the bind; once bound,
     * applied at once.
     *
     * @param mac the device's unicast address, best a locally administered one
     * @return this
     * @throws IllegalArgumentException          if {@code mac} is a multicast address
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
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
     * {@return how many frames the kernel queues for the channel to read before it drops them} Once bound, as the
     * kernel reports it (500 by default for a TUN/TAP device); before bind, what was asked for, {@code null} if
     * nothing was.
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public Integer getTxQueueLength() {
        LinkState link = kernelLink();
        return link != null ? Integer.valueOf(link.txQueueLength()) : requested.txQueueLength;
    }

    /**
     * Sets {@link TapChannelOption#TX_QUEUE_LENGTH}: before bind, remembered for the bind; once bound, applied at
     * once. A longer queue absorbs longer bursts while the channel is slow to read, at the cost of latency; the
     * frames dropped when it is full are counted in {@link LinkStatistics#txDropped()}.
     *
     * @param length the frames the kernel queues for the channel, 0 or more
     * @return this
     * @throws IllegalArgumentException          if {@code length} is negative
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
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
     * {@return whether the device reports a carrier} Once bound, as the kernel reports it (on unless set); before
     * bind, what was asked for, {@code null} if nothing was.
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public Boolean isCarrier() {
        LinkState link = kernelLink();
        return link != null ? Boolean.valueOf(link.carrier()) : requested.carrier;
    }

    /**
     * Sets {@link TapChannelOption#CARRIER}: before bind, remembered for the bind; once bound, applied at once.
     * Without a carrier the kernel sees the link as down ({@code NO-CARRIER}) even when it is up, as when a cable is
     * pulled.
     *
     * @param carrier whether the device reports a carrier
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
     */
    public TapChannelConfig setCarrier(boolean carrier) {
        apply(() -> requested.carrier = carrier, device -> device.setCarrier(carrier));
        return (TapChannelConfig) this;
    }

    /**
     * {@return the addresses of the kernel's side of the device} Once bound, every address the kernel has on it,
     * IPv6 link-local ones included; before bind, the addresses to add, empty unless set.
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public List<CidrAddress> getAddresses() {
        TunTapDevice device = channel.lifecycle().device();
        if (device == null) {
            return requested.addresses;
        }
        return channel.lifecycle().askKernel(() -> NetDeviceControl.addresses(device.name()), "read the addresses of");
    }

    /**
     * Sets {@link TapChannelOption#ADDRESSES}: before bind, the addresses the bind adds; once bound, adds each of
     * them now. Addresses already on the device stay.
     *
     * @param addresses the addresses, with their prefix lengths; copied
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses one, with the {@link TunTapException} as
     *                                           cause; those added before it stay
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
     * {@return whether the link is administratively up ({@code IFF_UP})} Once bound, as the kernel reports it;
     * before bind, what was asked for, {@code null} if nothing was (a new device starts down).
     *
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked
     */
    public Boolean isLinkUp() {
        LinkState link = kernelLink();
        return link != null ? Boolean.valueOf(link.up()) : requested.linkUp;
    }

    /**
     * Sets {@link TapChannelOption#LINK_UP}: before bind, applied once the bind has configured the device; once
     * bound, applied at once. The kernel neither sends frames into a device that is down nor takes frames from it.
     *
     * @param up whether the link is up
     * @return this
     * @throws io.netty.channel.ChannelException if the kernel refuses, with the {@link TunTapException} as cause
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
