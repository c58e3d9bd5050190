package io.netstack.wire;

/**
 * The text form of {@link Ipv6Address}: its parser (RFC 4291 section 2.2) and its formatter (RFC 5952), which
 * appends in place so that a packet's address is printed without allocating an address.
 */
final class Ipv6AddressText {
    /** Sixteen-bit groups in the text form. */
    private static final int GROUPS = 8;
    private static final int GROUP_BITS = 16;
    private static final int MAX_GROUP_DIGITS = 4;
    private static final long LOW_32_BITS = 0xffff_ffffL;
    /** {@code ::ffff:0:0/96}, the IPv4-mapped addresses of RFC 4291 section 2.5.5.2, printed with a dotted tail. */
    private static final long IPV4_MAPPED_LOW = 0x0000_ffff_0000_0000L;

    private Ipv6AddressText() {
    }

    /** See {@link Ipv6Address#parse}. */
    static Ipv6Address parse(String text) {
        int[] groups = new int[GROUPS];
        int count = 0;
        int gap = -1;
        int i = 0;
        int end = text.length();
        if (text.startsWith("::")) {
            gap = 0;
            i = 2;
        }
        while (i < end) {
            if (count == GROUPS) {
                throw invalid(text);
            }
            int start = i;
            int value = 0;
            int digit;
            while (i < end && i - start < MAX_GROUP_DIGITS && (digit = MacAddress.hexDigit(text.charAt(i))) >= 0) {
                value = value << 4 | digit;
                i++;
            }
            if (i < end && text.charAt(i) == '.') {
                if (count > GROUPS - 2) {
                    throw invalid(text);
                }
                int ipv4 = parseIpv4Tail(text, start);
                groups[count++] = ipv4 >>> GROUP_BITS;
                groups[count++] = ipv4 & 0xffff;
                break;
            }
            if (i == start) {
                throw invalid(text);
            }
            groups[count++] = value;
            if (i == end) {
                break;
            }
            if (text.charAt(i++) != ':' || i == end) {
                throw invalid(text);
            }
            if (text.charAt(i) == ':') {
                if (gap >= 0) {
                    throw invalid(text);
                }
                gap = count;
                i++;
            }
        }
        if (gap < 0 ? count != GROUPS : count > GROUPS - 1) {
            throw invalid(text);
        }
        long high = 0;
        long low = 0;
        int zeros = GROUPS - count;
        for (int group = 0, source = 0; group < GROUPS; group++) {
            int value = gap >= 0 && group >= gap && group < gap + zeros ? 0 : groups[source++];
            if (group < GROUPS / 2) {
                high = high << GROUP_BITS | value;
            } else {
                low = low << GROUP_BITS | value;
            }
        }
        return new Ipv6Address(high, low);
    }

    private static int parseIpv4Tail(String text, int start) {
        try {
            return Ipv4Address.parse(text.substring(start)).value();
        } catch (IllegalArgumentException e) {
            throw invalid(text);
        }
    }

    /** See {@link Ipv6Address#toString()}: appends the text form of the address of {@code high} and {@code low}. */
    static StringBuilder appendTo(StringBuilder out, long high, long low) {
        if (high == 0 && (low & ~LOW_32_BITS) == IPV4_MAPPED_LOW) {
            return Ipv4Address.appendTo(out.append("::ffff:"), (int) low);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int group = 0; group < GROUPS; ) {
            int run = 0;
            while (group + run < GROUPS && group(high, low, group + run) == 0) {
                run++;
            }
            if (run > bestLength) {
                bestStart = group;
                bestLength = run;
            }
            group += Math.max(run, 1);
        }
        for (int group = 0; group < GROUPS; group++) {
            if (group == bestStart) {
                out.append("::");
                group += bestLength - 1;
                continue;
            }
            if (group > 0 && group != bestStart + bestLength) {
                out.append(':');
            }
            appendHex(out, group(high, low, group));
        }
        return out;
    }

    /** Appends a group in lower-case hex without leading zeros, as {@link Integer#toHexString} would, in place. */
    private static void appendHex(StringBuilder out, int value) {
        int shift = GROUP_BITS - 4;
        while (shift > 0 && value >>> shift == 0) { // the last digit is printed even if 0
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            out.append(Character.forDigit(value >>> shift & 0xf, 16));
        }
    }

    private static int group(long high, long low, int index) {
        long half = index < GROUPS / 2 ? high : low;
        return (int) (half >>> (GROUP_BITS * (GROUPS / 2 - 1 - index % (GROUPS / 2)))) & 0xffff;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("not an IPv6 address in the text form of RFC 4291: '" + text + "'");
    }
}
