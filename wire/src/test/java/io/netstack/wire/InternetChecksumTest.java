package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import static io.netstack.wire.testing.CapturedFrames.hex;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InternetChecksumTest {
    /** RFC 1071 section 3, "Numerical Examples": the one's complement sum of these eight bytes is 0xddf2. */
    private static final byte[] RFC_1071_EXAMPLE = hex("0001f203f4f5f6f7");

    /**
     * The IPv4 header of a UDP packet from 192.168.0.1 to 192.168.0.199 with checksum 0xb861, the worked example of
     * Wikipedia's "Internet checksum" article.
     */
    private static final byte[] IPV4_HEADER_EXAMPLE = hex("4500007300004000" + "4011b861c0a80001c0a800c7");

    @Test
    void sumsTheRfc1071Example() {
        ByteBuf buf = wrap(RFC_1071_EXAMPLE);
        try {
            assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.sum(buf, 0, 8, 0)));
            assertEquals(0x220d, InternetChecksum.checksum(buf, 0, 8));
        } finally {
            buf.release();
        }
    }

    @Test
    void agreesWithAPlainSixteenBitSumAtEveryLengthAndAlignment() {
        byte[] bytes = new byte[64];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 37 + 0xa5);
        }
        ByteBuf buf = wrap(bytes);
        try {
            for (int index = 0; index < 9; index++) {
                for (int length = 0; index + length <= bytes.length; length++) {
                    assertEquals(referenceChecksum(bytes, index, length), InternetChecksum.checksum(buf, index, length),
                            "index " + index + ", length " + length);
                }
            }
        } finally {
            buf.release();
        }
    }

    /** RFC 1071 section 4.1's algorithm, word by word. */
    private static int referenceChecksum(byte[] bytes, int index, int length) {
        long sum = 0;
        int i = index;
        for (; length - (i - index) > 1; i += 2) {
            sum += (bytes[i] & 0xff) << 8 | bytes[i + 1] & 0xff;
        }
        if (i < index + length) {
            sum += (bytes[i] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) ~sum & 0xffff;
    }

    @Test
    void verifiesAndRecomputesTheIpv4HeaderExample() {
        ByteBuf header = wrap(IPV4_HEADER_EXAMPLE.clone());
        try {
            assertTrue(InternetChecksum.verify(header, 0, 20, 0));
            header.setShort(10, 0);
            assertEquals(0xb861, InternetChecksum.checksum(header, 0, 20));
            header.setShort(10, 0xb862);
            assertFalse(InternetChecksum.verify(header, 0, 20, 0));
        } finally {
            header.release();
        }
    }

    @Test
    void addsThePseudoHeaderOfRfc768() {
        // The captured "hello" datagram: its checksum covers the pseudo-header of 192.0.2.1 > 192.0.2.2, UDP, 13.
        ByteBuf frame = wrap(CapturedFrames.UDP_HELLO);
        try {
            long pseudoHeader = InternetChecksum.pseudoHeaderSum(0xc0000201, 0xc0000202, 17, 13);
            assertTrue(InternetChecksum.verify(frame, 34, 13, pseudoHeader));
            assertFalse(InternetChecksum.verify(frame, 34, 13, 0));
        } finally {
            frame.release();
        }
    }
}
