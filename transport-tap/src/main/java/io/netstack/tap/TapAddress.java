package io.netstack.tap;

import io.netstack.wire.LinkLayer;
import io.netstack.wire.LinkLayerAddress;
import io.netstack.tap.linux.InterfaceName;

import java.io.Serial;
import java.net.SocketAddress;

/**
 * The address a {@link TapChannel} binds to: a network interface name and whether the device is a TAP (Ethernet
 * frames) or a TUN (IP packets) device. The empty name lets the kernel choose one ({@code tap0}, {@code tap1}, ...);
 * the channel's {@link TapChannel#localAddress()} then holds the name it got. Being a {@link LinkLayerAddress}, it
 * tells handlers such as the userspace host whether the channel carries Ethernet frames or IP packets.
 */
public final class TapAddress extends SocketAddress implements LinkLayerAddress {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The interface name, checked against the kernel's rules; "" for one the kernel chooses. */
    private final String name;
    /** {@link LinkLayer#ETHERNET} for a TAP device, {@link LinkLayer#IP} for a TUN device; never {@code null}. */
    private final LinkLayer mode;

    /**
     * A TAP device named {@code name}.
     *
     * @param name the interface name, at most 15 bytes, or "" to let the kernel choose {@code tapN}
     * @throws IllegalArgumentException if the kernel would refuse the name (the message says which rule it breaks)
     */
    public TapAddress(String name) {
        this(name, LinkLayer.ETHERNET);
    }

    /**
     * A device of the given link layer (TAP for Ethernet, TUN for IP) named {@code name}.
     *
     * @param name the interface name, at most 15 bytes, or "" to let the kernel choose one
     * @param mode {@link LinkLayer#ETHERNET} for a TAP device, {@link LinkLayer#IP} for a TUN device
     * @throws IllegalArgumentException if the kernel would refuse the name (the message says which rule it breaks),
     *                                  or {@code mode} is {@code null}
     */
    public TapAddress(String name, LinkLayer mode) {
        this.name = InterfaceName.validate(name);
        if (mode == null) {
            throw new IllegalArgumentException("mode is null");
        }
        this.mode = mode;
    }

    /**
     * A TUN device (IP packets, no Ethernet header) named {@code name}.
     *
     * @param name the interface name, at most 15 bytes, or "" to let the kernel choose {@code tunN}
     * @return the address
     * @throws IllegalArgumentException if the kernel would refuse the name (the message says which rule it breaks)
     */
    public static TapAddress tun(String name) {
        return new TapAddress(name, LinkLayer.IP);
    }

    /** {@return the interface name; "" when the kernel is to choose it} */
    public String name() {
        return name;
    }

    /** {@return what the device carries: Ethernet frames (TAP) or IP packets (TUN)} */
    @Override
    public LinkLayer linkLayer() {
        return mode;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TapAddress other && name.equals(other.name) && mode == other.mode;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + mode.hashCode();
    }

    @Override
    public String toString() {
        return name.isEmpty() ? (mode == LinkLayer.ETHERNET ? "tap%d" : "tun%d (tun)") : name + (mode == LinkLayer.ETHERNET ? "" : " (tun)");
    }
}
