package io.netstack.handler;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The link-layer and IP addresses of a userspace host: one unicast MAC address, and IPv4 and IPv6 addresses, at
 * least one of either. The responders use it to decide whether a packet is for this host and what to answer from.
 */
public final class HostAddresses {
    private final MacAddress mac;
    private final List<Ipv4Address> ipv4Addresses;
    /** The same addresses as primitives, so that {@link #isOurs(int)} neither boxes nor iterates a list. */
    private final int[] ipv4Values;
    private final List<Ipv6Address> ipv6Addresses;

    /**
     * The addresses of an IPv4 host.
     *
     * @param mac           the host's unicast MAC address
     * @param ipv4Addresses the host's IPv4 addresses, at least one; copied
     * @throws IllegalArgumentException if {@code mac} is a group address or {@code ipv4Addresses} is empty
     * @throws NullPointerException     if {@code mac}, the list or an address is {@code null}
     */
    public HostAddresses(MacAddress mac, List<Ipv4Address> ipv4Addresses) {
        this(mac, ipv4Addresses, List.of());
    }

    /**
     * The addresses of a host.
     *
     * @param mac           the host's unicast MAC address
     * @param ipv4Addresses the host's IPv4 addresses; copied
     * @param ipv6Addresses the host's IPv6 addresses, unicast; copied
     * @throws IllegalArgumentException if {@code mac} is a group address, an IPv6 address is not unicast, or there is
     *                                  no address at all
     * @throws NullPointerException     if {@code mac}, a list or an address is {@code null}
     */
    public HostAddresses(MacAddress mac, List<Ipv4Address> ipv4Addresses, List<Ipv6Address> ipv6Addresses) {
        this.mac = requireNonNull(mac, "mac");
        this.ipv4Addresses = List.copyOf(ipv4Addresses);
        this.ipv6Addresses = List.copyOf(ipv6Addresses);
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("a host's MAC address must be unicast: " + mac);
        }
        if (this.ipv4Addresses.isEmpty() && this.ipv6Addresses.isEmpty()) {
            throw new IllegalArgumentException("a host needs at least one IPv4 or IPv6 address");
        }
        for (Ipv6Address address : this.ipv6Addresses) {
            if (address.isMulticast() || address.isUnspecified()) {
                throw new IllegalArgumentException("a host's IPv6 address must be unicast: " + address);
            }
        }
        ipv4Values = this.ipv4Addresses.stream().mapToInt(Ipv4Address::value).toArray();
    }

    /**
     * The addresses of a host.
     *
     * @param mac           the host's unicast MAC address
     * @param ipv4Addresses the host's IPv4 addresses, at least one
     * @return the addresses
     * @throws IllegalArgumentException if {@code mac} is a group address or there is no IPv4 address
     */
    public static HostAddresses of(MacAddress mac, Ipv4Address... ipv4Addresses) {
        return new HostAddresses(mac, List.of(ipv4Addresses));
    }

    /** {@return the host's MAC address} */
    public MacAddress macAddress() {
        return mac;
    }

    /** {@return the MAC address in its primitive form, see {@link MacAddress}} */
    public long mac() {
        return mac.value();
    }

    /** {@return the host's IPv4 addresses, unmodifiable, in the order given} */
    public List<Ipv4Address> ipv4Addresses() {
        return ipv4Addresses;
    }

    /** {@return the host's IPv6 addresses, unmodifiable, in the order given} */
    public List<Ipv6Address> ipv6Addresses() {
        return ipv6Addresses;
    }

    /**
     * Whether the IPv6 address in a packet is one of this host's, read in place. Allocates nothing, for the receive
     * path.
     *
     * @param buf   the buffer holding the address
     * @param index the absolute index of its 16 bytes, e.g. {@code Ipv6Packet.destinationOffset()}
     * @return {@code true} if it is one of this host's IPv6 addresses
     */
    public boolean isOurs(ByteBuf buf, int index) {
        return ipv6Address(buf, index) != null;
    }

    /**
     * The host's IPv6 address that a packet names, read in place, e.g. to answer from the address a packet was sent
     * to. Allocates nothing, for the receive path.
     *
     * @param buf   the buffer holding the address
     * @param index the absolute index of its 16 bytes
     * @return the host's address equal to it, or {@code null} if it is not one of the host's
     */
    public Ipv6Address ipv6Address(ByteBuf buf, int index) {
        for (int i = 0; i < ipv6Addresses.size(); i++) {
            if (ipv6Addresses.get(i).matches(buf, index)) {
                return ipv6Addresses.get(i);
            }
        }
        return null;
    }

    /**
     * Whether a packet's destination is this host. Allocates nothing, for the receive path.
     *
     * @param address an IPv4 address in its primitive form, see {@link Ipv4Address}
     * @return {@code true} if it is one of this host's IPv4 addresses
     */
    public boolean isOurs(int address) {
        for (int ours : ipv4Values) {
            if (ours == address) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return mac + " " + ipv4Addresses + (ipv6Addresses.isEmpty() ? "" : " " + ipv6Addresses);
    }
}
