package io.netstack.wire.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * TCP and UDP frames over IPv4 and IPv6, built for the offload tests with a checksum routine of their own, written
 * independently of {@link InternetChecksum} so that a bug there cannot hide one in the handlers.
 */
public final class OffloadFrames {
    public static final byte[] MAC_A = {2, 0, 0x5e, 0x10, 0, 1};
    public static final byte[] MAC_B = {2, 0, 0x5e, 0x10, 0, 2};
    public static final byte[] IPV4_A = {(byte) 192, 0, 2, 1};
    public static final byte[] IPV4_B = {(byte) 192, 0, 2, 2};
    public static final byte[] IPV6_A = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    public static final byte[] IPV6_B = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** A TCP header with the 12 bytes of NOP, NOP, timestamps that Linux sends on an established connection. */
    public static final int TCP_HEADER_LENGTH = 32;

    private final boolean ethernet;
    private final boolean ipv6;
    private int sourcePort = 40000;
    private int acknowledgmentNumber = 0x01020304;
    private int window = 500;
    private int timestamp = 777;

    private OffloadFrames(boolean ethernet, boolean ipv6) {
        this.ethernet = ethernet;
        this.ipv6 = ipv6;
    }

    /** Frames with an Ethernet header (TAP) or without (TUN), over IPv4 or IPv6. */
    public static OffloadFrames of(boolean ethernet, boolean ipv6) {
        return new OffloadFrames(ethernet, ipv6);
    }

    public OffloadFrames sourcePort(int port) {
        sourcePort = port;
        return this;
    }

    public OffloadFrames acknowledgmentNumber(int number) {
        acknowledgmentNumber = number;
        return this;
    }

    public OffloadFrames timestamp(int value) {
        timestamp = value;
        return this;
    }

    public int ipOffset() {
        return ethernet ? 14 : 0;
    }

    public int transportOffset() {
        return ipOffset() + (ipv6 ? 40 : 20);
    }

    /** A TCP segment carrying {@code data}; {@code partial}: the checksum field holds the pseudo-header sum only. */
    public ByteBuf tcp(int identification, int sequenceNumber, int flags, byte[] data, boolean partial) {
        ByteBuf frame = Unpooled.directBuffer();
        int transportLength = TCP_HEADER_LENGTH + data.length;
        writeIp(frame, TCP, identification, transportLength);
        int transport = frame.writerIndex();
        frame.writeShort(sourcePort).writeShort(80).writeInt(sequenceNumber).writeInt(acknowledgmentNumber);
        frame.writeByte(TCP_HEADER_LENGTH / 4 << 4).writeByte(flags).writeShort(window);
        frame.writeShort(0).writeShort(0);
        frame.writeByte(1).writeByte(1).writeByte(8).writeByte(10).writeInt(timestamp).writeInt(4242);
        frame.writeBytes(data);
        setTransportChecksum(frame, transport, transport + 16, TCP, transportLength, partial);
        return frame;
    }

    /** A UDP datagram carrying {@code data}. */
    public ByteBuf udp(int identification, byte[] data, boolean partial) {
        ByteBuf frame = Unpooled.directBuffer();
        int transportLength = 8 + data.length;
        writeIp(frame, UDP, identification, transportLength);
        int transport = frame.writerIndex();
        frame.writeShort(sourcePort).writeShort(53).writeShort(transportLength).writeShort(0).writeBytes(data);
        setTransportChecksum(frame, transport, transport + 6, UDP, transportLength, partial);
        return frame;
    }

    private void writeIp(ByteBuf frame, int protocol, int identification, int transportLength) {
        if (ethernet) {
            frame.writeBytes(MAC_B).writeBytes(MAC_A).writeShort(ipv6 ? 0x86dd : 0x0800);
        }
        int ip = frame.writerIndex();
        if (ipv6) {
            frame.writeInt(6 << 28 | 0x12345).writeShort(transportLength).writeByte(protocol).writeByte(64);
            frame.writeBytes(IPV6_A).writeBytes(IPV6_B);
        } else {
            frame.writeByte(0x45).writeByte(0).writeShort(20 + transportLength).writeShort(identification);
            frame.writeShort(0x4000).writeByte(64).writeByte(protocol).writeShort(0);
            frame.writeBytes(IPV4_A).writeBytes(IPV4_B);
            frame.setShort(ip + 10, ~fold(sum(frame, ip, 20)) & 0xffff);
        }
    }

    private void setTransportChecksum(ByteBuf frame, int transport, int field, int protocol, int length,
                                      boolean partial) {
        long pseudo = pseudoHeaderSum(frame, protocol, length);
        int value = partial ? fold(pseudo) : ~fold(pseudo + sum(frame, transport, length)) & 0xffff;
        frame.setShort(field, value == 0 && !partial ? 0xffff : value);
    }

    private long pseudoHeaderSum(ByteBuf frame, int protocol, int length) {
        int addresses = ipOffset() + (ipv6 ? 8 : 12);
        return sum(frame, addresses, ipv6 ? 32 : 8) + protocol + length;
    }

    /** Whether the transport checksum of a whole frame built like these verifies. */
    public boolean transportChecksumValid(ByteBuf frame, int protocol) {
        int start = frame.readerIndex();
        int transport = start + transportOffset();
        int length = frame.writerIndex() - transport;
        ByteBuf shifted = frame.slice(start, frame.readableBytes());
        return fold(pseudoHeaderSum(shifted, protocol, length) + sum(frame, transport, length)) == 0xffff;
    }

    /** The byte-at-a-time one's complement sum: slow and obvious. */
    static long sum(ByteBuf buf, int index, int length) {
        long sum = 0;
        for (int i = 0; i < length; i++) {
            int b = buf.getUnsignedByte(index + i);
            sum += (i & 1) == 0 ? b << 8 : b;
        }
        return sum;
    }

    static int fold(long sum) {
        long folded = sum;
        while (folded > 0xffff) {
            folded = (folded & 0xffff) + (folded >>> 16);
        }
        return (int) folded;
    }

    /** {@code length} bytes of a repeatable pattern. */
    public static byte[] data(int length, int seed) {
        byte[] data = new byte[length];
        new java.util.Random(seed).nextBytes(data);
        return data;
    }
}
