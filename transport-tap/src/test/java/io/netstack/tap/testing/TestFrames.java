package io.netstack.tap.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Just enough frame building and parsing for the channel's tests, written independently of the protocol package so
 * that a bug there cannot hide one in the channel.
 */
public final class TestFrames {
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    /** IEEE 802 "local experimental" EtherType: no protocol of the kernel's, so it takes no interest in our frames. */
    public static final int ETHERTYPE_EXPERIMENTAL = 0x88b5;

    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    private static final byte[] TEST_SOURCE = {2, 0, 0x5e, 0x10, 0, 0x53};
    /** Marks a {@link #sequenced} frame ("nets"), so stray frames are never taken for one. */
    private static final int SEQUENCE_MAGIC = 0x6e657473;
    private static final int SEQUENCE_OFFSET = 14 + 4;

    private TestFrames() {
    }

    public static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    public static byte[] ipv4(String text) {
        String[] parts = text.split("\\.");
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) {
            ip[i] = (byte) Integer.parseInt(parts[i]);
        }
        return ip;
    }

    /** An ARP reply (RFC 826): {@code senderIp} is at {@code senderMac}, sent to the target. */
    public static ByteBuf arpReply(byte[] senderMac, byte[] senderIp, byte[] targetMac, byte[] targetIp) {
        ByteBuf frame = Unpooled.directBuffer(42);
        frame.writeBytes(targetMac).writeBytes(senderMac).writeShort(ETHERTYPE_ARP);
        frame.writeShort(1).writeShort(ETHERTYPE_IPV4).writeByte(6).writeByte(4).writeShort(2);
        frame.writeBytes(senderMac).writeBytes(senderIp).writeBytes(targetMac).writeBytes(targetIp);
        return frame;
    }

    /** An Ethernet frame holding an IPv4/UDP datagram; the UDP checksum is 0 ("none", RFC 768). */
    public static ByteBuf udpFrame(ByteBuf frame, byte[] srcMac, byte[] dstMac, byte[] srcIp, byte[] dstIp,
                                   int srcPort, int dstPort, byte[] payload) {
        frame.writeBytes(dstMac).writeBytes(srcMac).writeShort(ETHERTYPE_IPV4);
        udpPacket(frame, srcIp, dstIp, srcPort, dstPort, payload);
        return frame;
    }

    /** A bare IPv4/UDP packet (what a TUN device carries). */
    public static ByteBuf udpPacket(ByteBuf packet, byte[] srcIp, byte[] dstIp, int srcPort, int dstPort,
                                    byte[] payload) {
        int ipStart = packet.writerIndex();
        int totalLength = 20 + 8 + payload.length;
        packet.writeByte(0x45).writeByte(0).writeShort(totalLength).writeShort(0x1234).writeShort(0x4000)
                .writeByte(64).writeByte(17).writeShort(0).writeBytes(srcIp).writeBytes(dstIp);
        packet.setShort(ipStart + 10, ipv4HeaderChecksum(packet, ipStart));
        packet.writeShort(srcPort).writeShort(dstPort).writeShort(8 + payload.length).writeShort(0);
        packet.writeBytes(payload);
        return packet;
    }

    private static int ipv4HeaderChecksum(ByteBuf buf, int start) {
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += buf.getUnsignedShort(start + i);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    /**
     * A broadcast frame of {@code length} bytes (at least 26) with the experimental EtherType, carrying
     * {@code sequence}: the tests count these and check their order. A direct buffer from {@code allocator}.
     */
    public static ByteBuf sequenced(ByteBufAllocator allocator, int length, long sequence) {
        ByteBuf frame = allocator.directBuffer(length);
        frame.writeBytes(BROADCAST).writeBytes(TEST_SOURCE).writeShort(ETHERTYPE_EXPERIMENTAL)
                .writeInt(SEQUENCE_MAGIC).writeLong(sequence);
        return frame.writeZero(length - frame.writerIndex());
    }

    /** The sequence number of a frame {@link #sequenced} made, or -1 for any other frame. */
    public static long sequence(ByteBuf frame) {
        int at = frame.readerIndex();
        if (frame.readableBytes() < SEQUENCE_OFFSET + Long.BYTES || etherType(frame) != ETHERTYPE_EXPERIMENTAL
                || frame.getInt(at + 14) != SEQUENCE_MAGIC) {
            return -1;
        }
        return frame.getLong(at + SEQUENCE_OFFSET);
    }

    public static int etherType(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + 12);
    }

    /** For an ARP frame: the opcode (1 request, 2 reply). */
    public static int arpOperation(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + 14 + 6);
    }

    /** For an ARP frame: the target protocol address. */
    public static byte[] arpTargetIp(ByteBuf frame) {
        byte[] ip = new byte[4];
        frame.getBytes(frame.readerIndex() + 14 + 24, ip);
        return ip;
    }

    /** For an ARP frame: the sender hardware address. */
    public static byte[] arpSenderMac(ByteBuf frame) {
        byte[] mac = new byte[6];
        frame.getBytes(frame.readerIndex() + 14 + 8, mac);
        return mac;
    }
}
