package io.netstack.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.ByteBuffer;

/**
 * The frames every implementation sends, byte for byte those of benchmarks/native/common.c, so the C programs,
 * netstack and drasyl move the same traffic through the same topology. The drasyl benchmark (Netty 4.1, its own
 * build) compiles this same file, so it uses only buffer API that 4.1 and 4.2 share.
 */
public final class BenchFrames {
    private static final byte[] DESTINATION_MAC = {2, 0, 0, 0, 0, 0x0b};
    private static final byte[] SOURCE_MAC = {2, 0, 0, 0, 0, 0x0a};
    /** IEEE 802 local experimental EtherType: nothing in the kernel reacts to it. */
    private static final short ETHERTYPE = (short) 0x88b5;
    /** TUN packets: 198.51.100.1:40000 -> 198.51.100.2:9 (TEST-NET-2, discard port). */
    private static final int SOURCE_IP = 0xc6_33_64_01;
    private static final int DESTINATION_IP = 0xc6_33_64_02;
    private static final int IP_HEADER = 20;
    private static final int CACHE_LINE = 64;

    private BenchFrames() {
    }

    /** One frame of exactly {@code size} bytes: an Ethernet frame ({@code tap}) or an IPv4/UDP packet ({@code tun}). */
    public static byte[] frame(String mode, int size) {
        ByteBuffer f = ByteBuffer.allocate(size);
        switch (mode) {
            case "tap" -> {
                if (size < 14) {
                    throw new IllegalArgumentException("TAP frames need at least 14 bytes");
                }
                f.put(DESTINATION_MAC).put(SOURCE_MAC).putShort(ETHERTYPE);
                byte[] tag = "netstack".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                f.put(tag, 0, Math.min(tag.length, size - 14));
            }
            case "tun" -> {
                if (size < IP_HEADER + 8) {
                    throw new IllegalArgumentException("TUN packets need at least 28 bytes");
                }
                f.put((byte) 0x45).put((byte) 0).putShort((short) size)   // version/IHL, DSCP, total length
                        .putShort((short) 0).putShort((short) 0x4000)     // identification 0, DF (RFC 6864)
                        .put((byte) 64).put((byte) 17).putShort((short) 0) // TTL, UDP, checksum below
                        .putInt(SOURCE_IP).putInt(DESTINATION_IP);
                f.putShort(10, ipChecksum(f.array()));
                // UDP checksum 0: "not computed", valid over IPv4.
                f.putShort((short) 40000).putShort((short) 9).putShort((short) (size - IP_HEADER));
            }
            default -> throw new IllegalArgumentException("mode must be tap or tun, not " + mode);
        }
        return f.array();
    }

    /**
     * The frame in a pooled direct buffer, starting on a 64-byte boundary (its reader index skips to it): the buffer
     * every Java implementation writes from, as the C programs write from {@code aligned_alloc(64, ...)}. Equal
     * alignment because it is not free: the kernel copies a frame that starts 16 bytes off a cache line (where
     * Netty's pooled direct buffers start) more slowly than an aligned one, most of all for large frames. Pooled, so
     * that its retained duplicates are recycled.
     */
    public static ByteBuf alignedFrame(String mode, int size) {
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(size + CACHE_LINE - 1);
        int padding = (int) (-frame.memoryAddress() & (CACHE_LINE - 1));
        return frame.writerIndex(padding).readerIndex(padding).writeBytes(frame(mode, size));
    }

    private static short ipChecksum(byte[] header) {
        int sum = 0;
        for (int i = 0; i < IP_HEADER; i += 2) {
            sum += (header[i] & 0xff) << 8 | header[i + 1] & 0xff;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
