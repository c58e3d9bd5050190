package io.netstack.wire;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/** An IPv4 or IPv6 address with a prefix length, as {@code ip addr add 192.0.2.1/24} takes it. */
public final class CidrAddress {
    private final InetAddress address;
    private final int prefixLength;

    private CidrAddress(InetAddress address, int prefixLength) {
        this.address = address;
        this.prefixLength = prefixLength;
    }

    /**
     * @throws IllegalArgumentException if the prefix length is outside 0..32 (IPv4) or 0..128 (IPv6)
     */
    public static CidrAddress of(InetAddress address, int prefixLength) {
        Objects.requireNonNull(address, "address");
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " of " + address.getHostAddress()
                    + " is outside 0.." + max);
        }
        return new CidrAddress(address, prefixLength);
    }

    /**
     * Parses {@code "192.0.2.1/24"} or {@code "2001:db8::1/64"}; literals only, never a DNS lookup.
     *
     * @throws IllegalArgumentException if the text is not an address literal, a slash and a prefix length in range
     */
    public static CidrAddress parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + text + "\" has no prefix length (e.g. 192.0.2.1/24)");
        }
        InetAddress address;
        int prefixLength;
        try {
            address = InetAddress.ofLiteral(text.substring(0, slash));
            prefixLength = Integer.parseInt(text.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an address/prefix-length like 192.0.2.1/24"
                    + " or 2001:db8::1/64", e);
        }
        return of(address, prefixLength);
    }

    public InetAddress address() {
        return address;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
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
