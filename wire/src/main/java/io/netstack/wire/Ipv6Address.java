package io.netstack.wire;

import io.netty.buffer.ByteBuf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv6 address, held as two {@code long}s in network order: {@link #high()} has the first eight octets (the first
 * in its most significant byte), {@link #low()} the last eight.
 *
 * <p>Java has no 128-bit primitive, so the views do not return addresses: they give the index of an address in the
 * buffer ({@link Ipv6Packet#sourceOffset()}), and the static helpers here read, write and compare it there, so that
 * the packet path allocates nothing ({@link #matches(ByteBuf, int)}, {@link #readHigh(ByteBuf, int)}). This record is
 * the object form for configuration, collections and printing, and the one parser (RFC 4291 section 2.2) and
 * formatter (RFC 5952) of the text form.
 *
 * @param high the first eight octets, the first in the most significant byte
 * @param low  the last eight octets
 */
public record Ipv6Address(long high, long low) {
    /** Octets in an IPv6 address. */
    public static final int LENGTH = 16;

    /** The unspecified address {@code ::} (RFC 4291 section 2.5.2), the source of duplicate address detection. */
    public static final Ipv6Address UNSPECIFIED = new Ipv6Address(0, 0);
    /** The loopback address {@code ::1} (RFC 4291 section 2.5.3). */
    public static final Ipv6Address LOOPBACK = new Ipv6Address(0, 1);
    /** The link-local all-nodes multicast address {@code ff02::1} (RFC 4291 section 2.7.1). */
    public static final Ipv6Address ALL_NODES = new Ipv6Address(0xff02_0000_0000_0000L, 1);
    /** The link-local all-routers multicast address {@code ff02::2} (RFC 4291 section 2.7.1). */
    public static final Ipv6Address ALL_ROUTERS = new Ipv6Address(0xff02_0000_0000_0000L, 2);

    /** The longest text form: eight groups of four digits and seven colons. */
    private static final int MAX_TEXT_LENGTH = 39;
    /** The first octet of every multicast address, {@code ff00::/8}. */
    private static final int MULTICAST_PREFIX = 0xff;
    /** {@code fe80::/10}. */
    private static final long LINK_LOCAL_PREFIX = 0xfe80_0000_0000_0000L;
    private static final long LINK_LOCAL_MASK = 0xffc0_0000_0000_0000L;
    /** {@code ff02::1:ff00:0/104} of RFC 4291 section 2.7.1: the high half, and the low half's prefix bits. */
    private static final long SOLICITED_NODE_HIGH = 0xff02_0000_0000_0000L;
    private static final long SOLICITED_NODE_LOW = 0x0000_0001_ff00_0000L;
    private static final long SOLICITED_NODE_MASK = 0xffff_ffff_ff00_0000L;
    private static final long LOW_24_BITS = 0xff_ffffL;
    /** RFC 2464 section 7: {@code 33:33} followed by the last 32 bits of the group address. */
    private static final long MULTICAST_MAC_PREFIX = 0x3333_0000_0000L;
    private static final long LOW_32_BITS = 0xffff_ffffL;
    /** {@code ::ffff:0:0/96} of RFC 4291 section 2.5.5.2: the bits of the low half above the IPv4 address. */
    private static final long IPV4_MAPPED_LOW_PREFIX = 0x0000_ffff_0000_0000L;

    /**
     * Parses the text forms of RFC 4291 section 2.2: eight groups of one to four hex digits (either case) separated
     * by single colons, one {@code ::} standing for one or more zero groups, and a dotted-decimal IPv4 address (as
     * {@link Ipv4Address#parse} takes it) in place of the last two groups. Nothing else is accepted: no zone index,
     * no brackets, no prefix length, no white space.
     *
     * @param text the address in text form
     * @return the address
     * @throws IllegalArgumentException if {@code text} is not in that form
     */
    public static Ipv6Address parse(String text) {
        return Ipv6AddressText.parse(text);
    }

    /**
     * The address of sixteen octets, first octet first.
     *
     * @param octets the address
     * @return the same address
     * @throws IllegalArgumentException if there are not exactly sixteen
     */
    public static Ipv6Address of(byte[] octets) {
        if (octets.length != LENGTH) {
            throw new IllegalArgumentException("an IPv6 address has " + LENGTH + " octets, not " + octets.length);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            high = high << Byte.SIZE | (octets[i] & 0xff);
            low = low << Byte.SIZE | (octets[Long.BYTES + i] & 0xff);
        }
        return new Ipv6Address(high, low);
    }

    /**
     * The object form of a {@link java.net.Inet6Address}; its scope, if any, is dropped.
     *
     * @param address the JDK's address
     * @return the same address
     */
    public static Ipv6Address of(Inet6Address address) {
        return of(address.getAddress());
    }

    /**
     * Reads an address from a buffer.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return the address; allocates, see {@link #readHigh(ByteBuf, int)} for the allocation-free form
     */
    public static Ipv6Address read(ByteBuf buf, int index) {
        return new Ipv6Address(readHigh(buf, index), readLow(buf, index));
    }

    /**
     * Reads the first eight octets of an address from a buffer.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return the address's {@link #high()} half
     */
    public static long readHigh(ByteBuf buf, int index) {
        return buf.getLong(index);
    }

    /**
     * Reads the last eight octets of an address from a buffer.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet (not of its low half)
     * @return the address's {@link #low()} half
     */
    public static long readLow(ByteBuf buf, int index) {
        return buf.getLong(index + Long.BYTES);
    }

    /**
     * Whether the address at {@code index} of {@code buf} is a multicast address, without reading all of it.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return {@code true} if it is in {@code ff00::/8}
     */
    public static boolean isMulticast(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index) == MULTICAST_PREFIX;
    }

    /**
     * Whether the address at {@code index} of {@code buf} is an IPv4-mapped address, {@code ::ffff:0:0/96}, read in
     * place. RFC 4291 section 2.5.5.2 defines these for a host's own API, not for the wire.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return {@code true} if it is one
     */
    public static boolean isIpv4Mapped(ByteBuf buf, int index) {
        return readHigh(buf, index) == 0 && (readLow(buf, index) & ~LOW_32_BITS) == IPV4_MAPPED_LOW_PREFIX;
    }

    /**
     * Whether the address at {@code index} of {@code buf} is a solicited-node multicast address,
     * {@code ff02::1:ff00:0/104}, read in place.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return {@code true} if it is one
     */
    public static boolean isSolicitedNodeMulticast(ByteBuf buf, int index) {
        return isSolicitedNodeMulticast(readHigh(buf, index), readLow(buf, index));
    }

    private static boolean isSolicitedNodeMulticast(long high, long low) {
        return high == SOLICITED_NODE_HIGH && (low & SOLICITED_NODE_MASK) == SOLICITED_NODE_LOW;
    }

    /**
     * The MAC address an IPv6 multicast address maps to on Ethernet (RFC 2464 section 7), in primitive form.
     *
     * @param low the multicast address's {@link #low()} half, whose last 32 bits are mapped
     * @return {@code 33:33} followed by those 32 bits, see {@link MacAddress}
     */
    public static long multicastMac(long low) {
        return MULTICAST_MAC_PREFIX | low & LOW_32_BITS;
    }

    /**
     * Whether the address in this record is at {@code index} of {@code buf}: the allocation-free comparison of a
     * packet's address with a configured one.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return {@code true} if the sixteen octets there are this address
     */
    public boolean matches(ByteBuf buf, int index) {
        return readHigh(buf, index) == high && readLow(buf, index) == low;
    }

    /**
     * Appends the sixteen octets of this address to {@code out}.
     *
     * @param out the buffer to append to
     */
    public void write(ByteBuf out) {
        out.writeLong(high);
        out.writeLong(low);
    }

    /**
     * Writes the sixteen octets of this address at an index of {@code buf}, leaving its indexes alone.
     *
     * @param buf   the buffer
     * @param index the absolute index of the first octet
     */
    public void set(ByteBuf buf, int index) {
        buf.setLong(index, high);
        buf.setLong(index + Long.BYTES, low);
    }

    /** {@return the sixteen octets, first octet first} */
    public byte[] octets() {
        byte[] octets = new byte[LENGTH];
        for (int i = 0; i < Long.BYTES; i++) {
            int shift = Byte.SIZE * (Long.BYTES - 1 - i);
            octets[i] = (byte) (high >>> shift);
            octets[Long.BYTES + i] = (byte) (low >>> shift);
        }
        return octets;
    }

    /** {@return the {@link java.net.Inet6Address} of this address, for use with the JDK's networking APIs} */
    public Inet6Address toInetAddress() {
        try {
            // Not InetAddress.getByAddress, which turns an IPv4-mapped address into an Inet4Address.
            return Inet6Address.getByAddress(null, octets(), -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("sixteen octets are always a valid IPv6 address", e);
        }
    }

    /** {@return whether this is a multicast address, {@code ff00::/8}} */
    public boolean isMulticast() {
        return high >>> (Long.SIZE - Byte.SIZE) == MULTICAST_PREFIX;
    }

    /** {@return whether this is the unspecified address {@code ::}} */
    public boolean isUnspecified() {
        return high == 0 && low == 0;
    }

    /** {@return whether this is the loopback address {@code ::1}} */
    public boolean isLoopback() {
        return high == 0 && low == 1;
    }

    /** {@return whether this is a link-local unicast address, {@code fe80::/10}} */
    public boolean isLinkLocal() {
        return (high & LINK_LOCAL_MASK) == LINK_LOCAL_PREFIX;
    }

    /** {@return whether this is a solicited-node multicast address, {@code ff02::1:ff00:0/104}} */
    public boolean isSolicitedNodeMulticast() {
        return isSolicitedNodeMulticast(high, low);
    }

    /**
     * The solicited-node multicast address of this address (RFC 4291 section 2.7.1): {@code ff02::1:ff} followed by
     * its last 24 bits, where neighbour solicitations for it are sent.
     *
     * @return the multicast address
     */
    public Ipv6Address solicitedNodeMulticast() {
        return new Ipv6Address(SOLICITED_NODE_HIGH, SOLICITED_NODE_LOW | low & LOW_24_BITS);
    }

    /**
     * The MAC address that frames to this multicast address are sent to on Ethernet (RFC 2464 section 7).
     *
     * @return {@code 33:33} followed by the last 32 bits of this address
     * @throws IllegalStateException if this is not a multicast address
     */
    public MacAddress multicastMac() {
        if (!isMulticast()) {
            throw new IllegalStateException(this + " is not a multicast address");
        }
        return new MacAddress(multicastMac(low));
    }

    /**
     * The sum of this address's 16-bit words, as a pseudo-header sum takes it (RFC 8200 section 8.1).
     *
     * @return the unfolded sum, see {@link InternetChecksum}
     */
    long checksumSum() {
        return (high >>> Integer.SIZE) + (high & LOW_32_BITS) + (low >>> Integer.SIZE) + (low & LOW_32_BITS);
    }

    /**
     * The text form of RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups
     * (the first of equal runs) as {@code ::}, and IPv4-mapped addresses with a dotted-decimal tail
     * ({@code ::ffff:192.0.2.1}, section 5).
     */
    @Override
    public String toString() {
        return Ipv6AddressText.appendTo(new StringBuilder(MAX_TEXT_LENGTH), high, low).toString();
    }

    /**
     * Appends the text form of {@link #toString()} of the address at {@code index} of {@code buf}, read in place:
     * how a packet's address is printed without allocating an address.
     *
     * @param out   where to append
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return {@code out}
     */
    public static StringBuilder appendTo(StringBuilder out, ByteBuf buf, int index) {
        return Ipv6AddressText.appendTo(out, readHigh(buf, index), readLow(buf, index));
    }
}
