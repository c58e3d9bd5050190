package io.netstack.handler;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The link-layer and IPv4 addresses of a userspace host: one unicast MAC address and one or more IPv4 addresses.
 * The responders use it to decide whether a packet is for this host and what to answer from.
 */
public final class HostAddresses {
    private final MacAddress mac;
    private final List<Ipv4Address> ipv4Addresses;
    /** The same addresses as primitives, so that {@link #isOurs(int)} neither boxes nor iterates a list. */
    private final int[] ipv4Values;

    /**
     * The addresses of a host.
     *
     * @param mac           the host's unicast MAC address
     * @param ipv4Addresses the host's IPv4 addresses, at least one; copied
     * @throws IllegalArgumentException if {@code mac} is a group address or {@code ipv4Addresses} is empty
     * @throws NullPointerException     if {@code mac}, the list or an address is {@code null}
     */
    public HostAddresses(MacAddress mac, List<Ipv4Address> ipv4Addresses) {
        this.mac = requireNonNull(mac, "mac");
        this.ipv4Addresses = List.copyOf(ipv4Addresses);
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("a host's MAC address must be unicast: " + mac);
        }
        if (this.ipv4Addresses.isEmpty()) {
            throw new IllegalArgumentException("a host needs at least one IPv4 address");
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
        return mac + " " + ipv4Addresses;
    }
}
