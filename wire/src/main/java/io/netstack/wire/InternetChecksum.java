package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The Internet checksum of RFC 1071: the 16-bit one's complement of the one's complement sum of 16-bit words.
 *
 * <p>RFC 1071 (section 2, "Parallel summation") lets the sum be accumulated in wider words and folded at the end,
 * because 2<sup>16</sup> is congruent to 1 modulo 2<sup>16</sup>&nbsp;&minus;&nbsp;1. {@link #sum} therefore reads
 * the buffer eight bytes at a time with {@link ByteBuf#getLong(int)} and adds the two 32-bit halves to a 64-bit
 * accumulator, which cannot overflow for any buffer Java can address.
 *
 * <p>Sums compose: a checksum over a pseudo-header and a datagram is
 * {@code finish(sum(buf, index, length, pseudoHeaderSum(...)))}.
 */
public final class InternetChecksum {
    private static final long UINT32_MASK = 0xffff_ffffL;

    private InternetChecksum() {
    }

    /**
     * Adds {@code length} bytes of {@code buf} starting at absolute {@code index}, taken as big-endian 16-bit words
     * from {@code index} on, to {@code initial}. A trailing odd byte counts as the high byte of a word whose low byte
     * is zero, as RFC 1071 prescribes. The result is unfolded: pass it to {@link #fold} or {@link #finish}.
     *
     * @param buf     the buffer to read; its indexes are not moved
     * @param index   the absolute index of the first byte
     * @param length  how many bytes to add, odd or even
     * @param initial an unfolded sum to continue, such as a pseudo-header's, or 0
     * @return the unfolded sum
     */
    public static long sum(ByteBuf buf, int index, int length, long initial) {
        long sum = initial;
        int end = index + length;
        int i = index;
        for (; end - i >= Long.BYTES; i += Long.BYTES) {
            long word = buf.getLong(i);
            sum += (word >>> 32) + (word & UINT32_MASK);
        }
        if (end - i >= Integer.BYTES) {
            sum += buf.getUnsignedInt(i);
            i += Integer.BYTES;
        }
        if (end - i >= Short.BYTES) {
            sum += buf.getUnsignedShort(i);
            i += Short.BYTES;
        }
        if (i < end) {
            sum += buf.getUnsignedByte(i) << 8;
        }
        return sum;
    }

    /**
     * The sum of the IPv4 pseudo-header that UDP and TCP checksums cover (RFC 768): source and destination address,
     * a zero byte, the protocol number and the transport length.
     *
     * @param source          the source IPv4 address, see {@link Ipv4Address}
     * @param destination     the destination IPv4 address
     * @param protocol        the upper-layer protocol, e.g. {@link Ipv4Packet#PROTOCOL_UDP}
     * @param transportLength the UDP datagram's or TCP segment's length in bytes, its header included
     * @return the unfolded sum, to pass as {@code initial} to {@link #sum} or {@link #verify}
     */
    public static long pseudoHeaderSum(int source, int destination, int protocol, int transportLength) {
        return Integer.toUnsignedLong(source) + Integer.toUnsignedLong(destination) + protocol + transportLength;
    }

    /**
     * The sum of the IPv6 pseudo-header of RFC 8200 section 8.1: the 32 bytes of source and destination address at
     * absolute {@code addressesIndex} of {@code buf} (as in an IPv6 header), the upper-layer packet length and the
     * next header value of the upper-layer protocol.
     *
     * @param buf              the buffer holding the IPv6 header
     * @param addressesIndex   the absolute index of the source address, followed by the destination address
     * @param nextHeader       the upper-layer protocol (after any extension headers), e.g.
     *                         {@link Ipv4Packet#PROTOCOL_TCP}
     * @param upperLayerLength the upper-layer packet's length in bytes, its header included
     * @return the unfolded sum, to pass as {@code initial} to {@link #sum} or {@link #verify}
     */
    public static long ipv6PseudoHeaderSum(ByteBuf buf, int addressesIndex, int nextHeader, int upperLayerLength) {
        return sum(buf, addressesIndex, 2 * Ipv6Packet.ADDRESS_LENGTH, 0) + nextHeader + upperLayerLength;
    }

    /**
     * Folds the carries of an accumulated sum back into 16 bits (end-around carry).
     *
     * @param sum an unfolded sum from {@link #sum}
     * @return the one's complement sum, 0 to 0xffff
     */
    public static int fold(long sum) {
        long folded = sum;
        while ((folded >>> 16) != 0) {
            folded = (folded & 0xffff) + (folded >>> 16);
        }
        return (int) folded;
    }

    /**
     * The checksum to write into a header: the one's complement of the folded sum.
     *
     * @param sum an unfolded sum from {@link #sum}, over a range whose checksum field was zero
     * @return the checksum field's value, 0 to 0xffff
     */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /**
     * The checksum of a byte range, as written into a header whose checksum field was zero while summing.
     *
     * @param buf    the buffer to read; its indexes are not moved
     * @param index  the absolute index of the first byte
     * @param length how many bytes to sum
     * @return the checksum field's value, 0 to 0xffff
     */
    public static int checksum(ByteBuf buf, int index, int length) {
        return finish(sum(buf, index, length, 0));
    }

    /**
     * Whether a range that includes its own checksum field sums to all ones, i.e. verifies (RFC 1071 section 1,
     * step 3).
     *
     * @param buf     the buffer to read; its indexes are not moved
     * @param index   the absolute index of the first byte
     * @param length  how many bytes to sum, the checksum field included
     * @param initial the unfolded pseudo-header sum the checksum covers too, or 0 if it covers the range only
     * @return {@code true} if the checksum verifies
     */
    public static boolean verify(ByteBuf buf, int index, int length, long initial) {
        return fold(sum(buf, index, length, initial)) == 0xffff;
    }
}
