package io.netstack.wire;

import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 address, held as a 32-bit {@code int} in network order (the first octet in the high byte).
 *
 * <p>The views and builders pass addresses as that primitive {@code int} so that the packet path allocates nothing;
 * the static helpers here work on it directly. This record is the object form for printing and collections, and
 * the one parser and formatter of dotted-decimal text. An address with a prefix length, as an interface is
 * configured with, is a {@link CidrAddress}, which parses its IPv4 part here.
 *
 * @param value the address, first octet in the most significant byte
 */
public record Ipv4Address(int value) {
    /** Octets in an IPv4 address. */
    public static final int LENGTH = 4;

    /** The limited broadcast address of RFC 919. */
    public static final Ipv4Address BROADCAST = new Ipv4Address(0xffff_ffff);

    private static final int MAX_OCTET = 255;
    /** 224.0.0.0/4, the former class D (RFC 5771). */
    private static final int MULTICAST_NETWORK = 0xe000_0000;
    private static final int MULTICAST_MASK = 0xf000_0000;

    /**
     * Parses dotted-decimal {@code 192.0.2.2}: exactly four decimal octets from 0 to 255 separated by single dots.
     * Leading zeros are rejected, because {@code inet_aton} reads {@code 010} as octal 8 while others read 10.
     *
     * @param text the address in dotted-decimal
     * @return the address
     * @throws IllegalArgumentException if {@code text} is not in that form
     */
    public static Ipv4Address parse(String text) {
        int value = 0;
        int octets = 0;
        int i = 0;
        int end = text.length();
        while (i < end && octets < LENGTH) {
            if (octets > 0) {
                if (text.charAt(i) != '.') {
                    throw invalid(text);
                }
                i++;
            }
            int start = i;
            int octet = 0;
            while (i < end && i - start < 3 && isDigit(text.charAt(i))) {
                octet = octet * 10 + text.charAt(i) - '0';
                i++;
            }
            int digits = i - start;
            if (digits == 0 || octet > MAX_OCTET || (digits > 1 && text.charAt(start) == '0')) {
                throw invalid(text);
            }
            value = value << 8 | octet;
            octets++;
        }
        if (octets != LENGTH || i != end) {
            throw invalid(text);
        }
        return new Ipv4Address(value);
    }

    /**
     * The object form of a {@link java.net.Inet4Address}.
     *
     * @param address the JDK's address
     * @return the same address
     */
    public static Ipv4Address of(Inet4Address address) {
        byte[] octets = address.getAddress();
        return new Ipv4Address((octets[0] & 0xff) << 24 | (octets[1] & 0xff) << 16 | (octets[2] & 0xff) << 8
                | octets[3] & 0xff);
    }

    /**
     * Formats an address in dotted-decimal.
     *
     * @param address the address in its primitive form
     * @return e.g. {@code "192.0.2.1"}
     */
    public static String format(int address) {
        return appendTo(new StringBuilder(15), address).toString();
    }

    /**
     * Appends an address in dotted-decimal, allocating nothing but what {@code out} grows by.
     *
     * @param out     where to append
     * @param address the address in its primitive form
     * @return {@code out}
     */
    public static StringBuilder appendTo(StringBuilder out, int address) {
        return out.append(address >>> 24).append('.')
                .append(address >>> 16 & 0xff).append('.')
                .append(address >>> 8 & 0xff).append('.')
                .append(address & 0xff);
    }

    /**
     * Reads an address from a buffer.
     *
     * @param buf   the buffer
     * @param index the absolute index of the address's first octet
     * @return the address in its primitive form
     */
    public static int read(ByteBuf buf, int index) {
        return buf.getInt(index);
    }

    /** {@return whether this is a class D multicast address, 224.0.0.0/4} */
    public boolean isMulticast() {
        return isMulticast(value);
    }

    /**
     * Whether an address in its primitive form is a class D multicast address, 224.0.0.0/4.
     *
     * @param address the address
     * @return {@code true} for a multicast group
     */
    public static boolean isMulticast(int address) {
        return (address & MULTICAST_MASK) == MULTICAST_NETWORK;
    }

    /** {@return whether this is the limited broadcast address 255.255.255.255} */
    public boolean isBroadcast() {
        return value == BROADCAST.value;
    }

    /** {@return the {@link java.net.Inet4Address} of this address, for use with the JDK's networking APIs} */
    public Inet4Address toInetAddress() {
        byte[] octets = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return (Inet4Address) InetAddress.getByAddress(octets);
        } catch (UnknownHostException e) {
            throw new AssertionError("four octets are always a valid IPv4 address", e);
        }
    }

    @Override
    public String toString() {
        return format(value);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("not a dotted-decimal IPv4 address: '" + text + "'");
    }
}
