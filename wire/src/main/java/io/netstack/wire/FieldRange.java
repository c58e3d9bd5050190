package io.netstack.wire;

/** The range checks of the header records, so that a field too wide for its bits fails instead of wrapping. */
final class FieldRange {
    private FieldRange() {
    }

    /**
     * Checks that {@code value} fits an unsigned field of {@code bits} bits.
     *
     * @throws IllegalArgumentException if it does not
     */
    static int unsigned(String field, int value, int bits) {
        if (value < 0 || value >>> bits != 0) {
            throw new IllegalArgumentException(field + " must be 0.." + ((1 << bits) - 1) + ": " + value);
        }
        return value;
    }

    /**
     * Checks that {@code mac} is a MAC address in the low 48 bits.
     *
     * @throws IllegalArgumentException if the high 16 bits are not zero
     */
    static long mac(String field, long mac) {
        if (mac >>> Short.SIZE * 3 != 0) {
            throw new IllegalArgumentException(field + " is not a 48-bit MAC address: 0x" + Long.toHexString(mac));
        }
        return mac;
    }
}
