package io.netstack.wire.testing;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.Ipv4Packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.util.HexFormat;

/**
 * Frames captured from a Linux 6.18 kernel, byte for byte. Two network namespaces were joined by a veth pair,
 * {@code 192.0.2.1/24} on MAC {@code 02:00:5e:10:00:01} in one, and an {@code AF_PACKET} socket on the peer
 * ({@code 02:00:5e:10:00:02}) in the other recorded what the kernel sent for the command named on each constant.
 * Veth devices neither pad frames nor add a frame check sequence, just like TAP devices. Transmit checksum
 * offload was turned off ({@code ethtool -K vcap0 tx off}) so that the kernel completed the UDP checksums itself
 * instead of leaving the partial sum of the pseudo-header that an offloading driver finishes.
 */
public final class CapturedFrames {
    /** The kernel's ARP request for 192.0.2.2 on {@code ping 192.0.2.2} with an empty neighbour table (42 bytes). */
    public static final byte[] ARP_REQUEST = hex(
            "ffffffffffff02005e1000010806000108000604000102005e100001c0000201" +
            "000000000000c0000202");

    /** {@code ping -c1 192.0.2.2}: an echo request with id 0x3451, seq 1 and 56 bytes of data (98 bytes). */
    public static final byte[] ECHO_REQUEST = hex(
            "02005e10000202005e100001080045000054aeed4000400107b8c0000201c000" +
            "0202080070c13451000152330a6b000000002d7b0a0000000000101112131415" +
            "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435" +
            "3637");

    /**
     * {@code ping -c1 -R 192.0.2.2}: an echo request whose IPv4 header carries 40 bytes of options (IHL 15): a NOP,
     * then a Record Route option of length 39 with the sender's address recorded (138 bytes).
     */
    public static final byte[] ECHO_REQUEST_RECORD_ROUTE = hex(
            "02005e10000202005e10000108004f00007caf714000400112fbc0000201c000" +
            "020201072708c000020100000000000000000000000000000000000000000000" +
            "0000000000000000000008007063349c000153330a6b000000002c8e0a000000" +
            "0000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d" +
            "2e2f3031323334353637");

    /**
     * The second and last fragment of {@code ping -c1 -s 1600 192.0.2.2} on a 1500-byte MTU: offset 1480 bytes
     * (field 0xb9), MF clear, 120 bytes of ICMP data (162 bytes).
     */
    public static final byte[] ECHO_REQUEST_LAST_FRAGMENT = hex(
            "02005e10000202005e100001080045000094afa200b94001460ac0000201c000" +
            "0202c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdd" +
            "dedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfd" +
            "feff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d" +
            "1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d" +
            "3e3f");

    /** Headers of the first fragment of the same ping: MF set, offset 0, total length 1500. */
    private static final String FIRST_FRAGMENT_HEADERS =
            "02005e10000202005e1000010800450005dcafa220004001217bc0000201c000" +
            "020208004ab034b8000154330a6b00000000e2b50a0000000000";

    /**
     * A UDP datagram sent by Python's {@code socket.sendto(b"hello", ("192.0.2.2", 7))} from port 40000: checksum
     * 0x9bb6 (47 bytes).
     */
    public static final byte[] UDP_HELLO = hex(
            "02005e10000202005e100001080045000021fbca40004011bafdc0000201c000" +
            "02029c400007000d9bb668656c6c6f");

    /** An empty UDP datagram from port 40001 to port 7: checksum 0xdf91 (42 bytes). */
    public static final byte[] UDP_EMPTY = hex(
            "02005e10000202005e10000108004500001cfbcb40004011bb01c0000201c000" +
            "02029c4100070008df91");

    private CapturedFrames() {
    }

    /**
     * The first fragment of {@code ping -c1 -s 1600 192.0.2.2} (1514 bytes). Its data after the 16-byte timestamp
     * is ping's pattern of bytes counting up from 0x10, regenerated here rather than spelt out.
     */
    public static byte[] echoRequestFirstFragment() {
        byte[] headers = hex(FIRST_FRAGMENT_HEADERS);
        byte[] frame = new byte[1514];
        System.arraycopy(headers, 0, frame, 0, headers.length);
        for (int i = headers.length; i < frame.length; i++) {
            frame[i] = (byte) (0x10 + i - headers.length);
        }
        return frame;
    }

    /** {@code frame} followed by zeros up to the 60-byte minimum, as a physical NIC would have delivered it. */
    public static byte[] padded(byte[] frame) {
        byte[] padded = new byte[Math.max(frame.length, EthernetFrame.MIN_FRAME_LENGTH)];
        System.arraycopy(frame, 0, padded, 0, frame.length);
        return padded;
    }

    /** {@code frame} with 802.1Q-style tags ({@code tpid} then {@code tci}, in pairs) inserted after the MACs. */
    public static byte[] tagged(byte[] frame, int... tpidsAndTcis) {
        byte[] tagged = new byte[frame.length + tpidsAndTcis.length * 2];
        System.arraycopy(frame, 0, tagged, 0, 12);
        for (int i = 0; i < tpidsAndTcis.length; i++) {
            tagged[12 + 2 * i] = (byte) (tpidsAndTcis[i] >>> 8);
            tagged[13 + 2 * i] = (byte) tpidsAndTcis[i];
        }
        System.arraycopy(frame, 12, tagged, 12 + tpidsAndTcis.length * 2, frame.length - 12);
        return tagged;
    }

    /**
     * A copy of {@code bytes} in a pooled direct buffer, as a channel would deliver it, watched by the leak
     * detector.
     */
    public static ByteBuf pooled(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    /** A copy of {@code frame} with one byte of its IPv4 header changed and the header checksum made valid again. */
    public static byte[] withIpv4HeaderByte(byte[] frame, int index, int value) {
        int ip = EthernetFrame.HEADER_LENGTH;
        byte[] bytes = frame.clone();
        bytes[ip + index] = (byte) value;
        ByteBuf buf = wrap(bytes);
        try {
            int headerLength = Math.max(Ipv4Packet.MIN_HEADER_LENGTH, (bytes[ip] & 0x0f) * 4);
            buf.setShort(ip + 10, 0);
            buf.setShort(ip + 10, InternetChecksum.checksum(buf, ip, headerLength));
        } finally {
            buf.release();
        }
        return bytes;
    }

    /** A heap buffer wrapping {@code bytes}; release it like any other. */
    public static ByteBuf wrap(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    public static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
