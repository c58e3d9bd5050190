package io.netstack.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An interface address with its prefix length, as {@code ip addr add 192.0.2.1/24} takes it: configuration, IPv4 or
 * IPv6, in the JDK's {@link InetAddress} form that the netlink code and users hand around. The packet path works on
 * the primitive {@code int} of an {@link Ipv4Address} instead; {@link #ipv4Address()} converts, and IPv4 text is
 * parsed by {@link Ipv4Address#parse}, so both classes read the same dotted-decimal forms.
 */
public final class CidrAddress {
    private static final int IPV4_BITS = Ipv4Address.LENGTH * Byte.SIZE;
    private static final int IPV6_BITS = 128;

    private final InetAddress address;
    private final int prefixLength;

    private CidrAddress(InetAddress address, int prefixLength) {
        this.address = address;
        this.prefixLength = prefixLength;
    }

    /**
     * An address with a prefix length.
     *
     * @param address      the interface's address
     * @param prefixLength the length of the network prefix in bits
     * @return the CIDR address
     * @throws NullPointerException     if {@code address} is {@code null}
     * @throws IllegalArgumentException if the prefix length is outside 0..32 (IPv4) or 0..128 (IPv6)
     */
    public static CidrAddress of(InetAddress address, int prefixLength) {
        Objects.requireNonNull(address, "address");
        int max = address instanceof Inet4Address ? IPV4_BITS : IPV6_BITS;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " of " + address.getHostAddress()
                    + " is outside 0.." + max);
        }
        return new CidrAddress(address, prefixLength);
    }

    /**
     * An IPv4 address with a prefix length.
     *
     * @param address      the interface's address
     * @param prefixLength the length of the network prefix in bits
     * @return the CIDR address
     * @throws IllegalArgumentException if the prefix length is outside 0..32
     */
    public static CidrAddress of(Ipv4Address address, int prefixLength) {
        return of(address.toInetAddress(), prefixLength);
    }

    /**
     * Parses {@code "192.0.2.1/24"} or {@code "2001:db8::1/64"}; literals only, never a DNS lookup. The IPv4 part
     * must be in the strict form {@link Ipv4Address#parse} takes.
     *
     * @param text the address, a slash and the prefix length
     * @return the CIDR address
     * @throws IllegalArgumentException if the text is not an address literal, a slash and a prefix length in range
     */
    public static CidrAddress parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + text + "\" has no prefix length (e.g. 192.0.2.1/24)");
        }
        String literal = text.substring(0, slash);
        InetAddress address;
        int prefixLength;
        try {
            address = literal.indexOf(':') < 0 ? Ipv4Address.parse(literal).toInetAddress()
                    : Inet6Address.ofLiteral(literal);
            prefixLength = Integer.parseInt(text.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an address/prefix-length like 192.0.2.1/24"
                    + " or 2001:db8::1/64", e);
        }
        return of(address, prefixLength);
    }

    /**
     * The interface's address.
     *
     * @return the address, without the prefix length
     */
    public InetAddress address() {
        return address;
    }

    /**
     * The length of the network prefix.
     *
     * @return the prefix length in bits
     */
    public int prefixLength() {
        return prefixLength;
    }

    /**
     * Whether this is an IPv4 address.
     *
     * @return {@code true} for IPv4, {@code false} for IPv6
     */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /**
     * The IPv4 address in the packet path's form.
     *
     * @return the address without the prefix length
     * @throws IllegalStateException if this is an IPv6 address
     */
    public Ipv4Address ipv4Address() {
        if (!(address instanceof Inet4Address ipv4)) {
            throw new IllegalStateException(this + " is not an IPv4 address");
        }
        return Ipv4Address.of(ipv4);
    }

    /**
     * Whether {@code other} lies in this address's network: same family, and the first {@link #prefixLength()}
     * bits equal.
     *
     * @param other the address to test
     * @return {@code true} if it is on the network
     */
    public boolean contains(InetAddress other) {
        byte[] ours = address.getAddress();
        byte[] theirs = other.getAddress();
        if (ours.length != theirs.length) {
            return false;
        }
        int fullBytes = prefixLength / Byte.SIZE;
        for (int i = 0; i < fullBytes; i++) {
            if (ours[i] != theirs[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % Byte.SIZE;
        int mask = 0xff << (Byte.SIZE - remainingBits) & 0xff;
        return remainingBits == 0 || ((ours[fullBytes] ^ theirs[fullBytes]) & mask) == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrAddress other && address.equals(other.address) && prefixLength == other.prefixLength;
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + '/' + prefixLength;
    }
}
