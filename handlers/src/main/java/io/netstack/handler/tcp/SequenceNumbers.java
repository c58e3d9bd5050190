package io.netstack.handler.tcp;

/**
 * Comparisons in TCP's sequence space, modulo 2^32 (RFC 9293 section 3.4): {@code a} is before {@code b} when
 * {@code b - a}, as a signed 32-bit number, is positive, which holds for values less than 2^31 apart.
 */
public final class SequenceNumbers {
    private SequenceNumbers() {
    }

    /** {@return whether {@code a} comes before {@code b}} */
    public static boolean before(int a, int b) {
        return a - b < 0;
    }

    /** {@return whether {@code a} comes before or is {@code b}} */
    public static boolean atOrBefore(int a, int b) {
        return a - b <= 0;
    }

    /** {@return whether {@code a} comes after {@code b}} */
    public static boolean after(int a, int b) {
        return a - b > 0;
    }

    /** {@return whether {@code a} comes after or is {@code b}} */
    public static boolean atOrAfter(int a, int b) {
        return a - b >= 0;
    }

    /** {@return whether {@code low <= x < high} in sequence space} */
    public static boolean within(int x, int low, int high) {
        return x - low >= 0 && x - high < 0;
    }

    /** {@return the later of {@code a} and {@code b}} */
    public static int latest(int a, int b) {
        return after(a, b) ? a : b;
    }
}
