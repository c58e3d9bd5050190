package io.netstack.wire;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A 48-bit IEEE 802 MAC address, held in the low 48 bits of a {@code long} in transmission (big-endian) order.
 *
 * <p>The views and builders pass MAC addresses as that primitive {@code long} so that the packet path allocates
 * nothing; the static predicates here work on it directly. This record is the object form for configuration,
 * collections and printing.
 *
 * @param value the address in the low 48 bits; the high 16 bits must be zero
 */
public record MacAddress(long value) {
    /** Octets in a MAC address. */
    public static final int LENGTH = 6;

    private static final long MASK = 0xffff_ffff_ffffL;
    /** The I/G bit: set in the first octet of group (multicast and broadcast) addresses. */
    private static final long GROUP_BIT = 0x01_00_00_00_00_00L;
    /** The U/L bit: set in the first octet of locally administered addresses. */
    private static final long LOCAL_BIT = 0x02_00_00_00_00_00L;
    /** {@code xx:xx:xx:xx:xx:xx}. */
    private static final int TEXT_LENGTH = LENGTH * 3 - 1;
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    /** {@code ff:ff:ff:ff:ff:ff}, which every station on the link receives: where an ARP request goes. */
    public static final MacAddress BROADCAST = new MacAddress(MASK);
    /** {@code 00:00:00:00:00:00}, the unknown address: the target hardware address of an ARP request. */
    public static final MacAddress ZERO = new MacAddress(0);

    /**
     * Checks that the address fits in 48 bits.
     *
     * @throws IllegalArgumentException if any of the high 16 bits of {@code value} is set
     */
    public MacAddress {
        if ((value & ~MASK) != 0) {
            throw new IllegalArgumentException("not a 48-bit MAC address: 0x" + Long.toHexString(value));
        }
    }

    /**
     * A random locally administered unicast address, as the kernel gives a device that has none
     * ({@code eth_random_addr}).
     *
     * @return a new address with the multicast bit clear and the locally administered bit set
     */
    public static MacAddress randomLocallyAdministered() {
        long random = ThreadLocalRandom.current().nextLong() & BROADCAST.value();
        return new MacAddress(random & ~0x01_0000_0000_00L | 0x02_0000_0000_00L);
    }

    /**
     * Parses the colon-separated form {@code 02:00:5e:10:00:01}: exactly six pairs of hex digits (either case)
     * separated by single colons, nothing else.
     *
     * @param text the address, e.g. {@code "02:00:5e:10:00:01"}
     * @return the address
     * @throws IllegalArgumentException if {@code text} is not in that form
     */
    public static MacAddress parse(String text) {
        if (text.length() != TEXT_LENGTH) {
            throw invalid(text);
        }
        long value = 0;
        for (int octet = 0; octet < LENGTH; octet++) {
            int at = octet * 3;
            int high = hexDigit(text.charAt(at));
            int low = hexDigit(text.charAt(at + 1));
            if (high < 0 || low < 0 || (octet < LENGTH - 1 && text.charAt(at + 2) != ':')) {
                throw invalid(text);
            }
            value = value << 8 | high << 4 | low;
        }
        return new MacAddress(value);
    }

    /**
     * The address of six octets, first octet first, as the kernel reports a link's address.
     *
     * @param octets the address's octets, first octet first; not kept
     * @return the address
     * @throws IllegalArgumentException if there are not exactly six
     */
    public static MacAddress of(byte[] octets) {
        if (octets.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has " + LENGTH + " octets, not " + octets.length);
        }
        long value = 0;
        for (byte octet : octets) {
            value = value << 8 | (octet & 0xff);
        }
        return new MacAddress(value);
    }

    /** {@return a new array of the six octets, first octet first, as the kernel takes a link's address} */
    public byte[] octets() {
        byte[] octets = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            octets[i] = (byte) (value >>> (8 * (LENGTH - 1 - i)));
        }
        return octets;
    }

    /**
     * Reads an address from a buffer, without moving its reader index.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return the address in its primitive form, in the low 48 bits
     */
    public static long read(ByteBuf buf, int index) {
        return (long) buf.getUnsignedShort(index) << 32 | buf.getUnsignedInt(index + 2);
    }

    /**
     * Appends the six octets of an address at the writer index of a buffer.
     *
     * @param out the buffer to append to
     * @param mac the address in its primitive form, in the low 48 bits
     */
    public static void write(ByteBuf out, long mac) {
        out.writeShort((int) (mac >>> 32));
        out.writeInt((int) mac);
    }

    /**
     * Formats an address as six lower-case hex pairs separated by colons, the form {@link #parse} reads.
     *
     * @param mac the address in its primitive form, in the low 48 bits
     * @return e.g. {@code "02:00:5e:10:00:01"}
     */
    public static String format(long mac) {
        return appendTo(new StringBuilder(TEXT_LENGTH), mac).toString();
    }

    /**
     * Appends an address in the form of {@link #format}, allocating nothing but what {@code out} grows by.
     *
     * @param out where to append
     * @param mac the address in its primitive form, in the low 48 bits
     * @return {@code out}
     */
    public static StringBuilder appendTo(StringBuilder out, long mac) {
        for (int octet = 0; octet < LENGTH; octet++) {
            int value = (int) (mac >>> (8 * (LENGTH - 1 - octet))) & 0xff;
            if (octet > 0) {
                out.append(':');
            }
            out.append(HEX_DIGITS[value >>> 4]).append(HEX_DIGITS[value & 0xf]);
        }
        return out;
    }

    /**
     * Whether an address is a group address (multicast, broadcast included): its I/G bit is set.
     *
     * @param mac the address in its primitive form
     * @return {@code true} for a group address, {@code false} for a single station's
     */
    public static boolean isMulticast(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /**
     * Whether an address is the broadcast address.
     *
     * @param mac the address in its primitive form
     * @return {@code true} if it is {@code ff:ff:ff:ff:ff:ff}
     */
    public static boolean isBroadcast(long mac) {
        return mac == MASK;
    }

    /**
     * Whether an address is locally administered (its U/L bit is set) rather than assigned by its manufacturer's
     * OUI, as the addresses a program gives its TAP devices should be.
     *
     * @param mac the address in its primitive form
     * @return {@code true} if it is locally administered
     */
    public static boolean isLocallyAdministered(long mac) {
        return (mac & LOCAL_BIT) != 0;
    }

    /** {@return whether this is a group address (multicast, broadcast included)} */
    public boolean isMulticast() {
        return isMulticast(value);
    }

    /** {@return whether this is {@code ff:ff:ff:ff:ff:ff}} */
    public boolean isBroadcast() {
        return isBroadcast(value);
    }

    /** {@return whether this address is locally administered rather than assigned by a manufacturer} */
    public boolean isLocallyAdministered() {
        return isLocallyAdministered(value);
    }

    @Override
    public String toString() {
        return format(value);
    }

    /** The value of an ASCII hex digit of either case, or -1; shared with {@link Ipv6Address#parse}. */
    static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("not a MAC address of the form 02:00:5e:10:00:01: '" + text + "'");
    }
}
