package io.netstack.benchmarks;

import io.netstack.protocol.Ipv4Packet;
import io.netstack.protocol.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * The frames every implementation sends, byte for byte the ones of benchmarks/native/common.c, so the C programs,
 * netstack and drasyl move the same traffic through the same topology.
 */
public final class BenchFrames {
    /** TAP frames go to this MAC (02:00:00:00:00:0b) from 02:00:00:00:00:0a. */
    static final long DESTINATION_MAC = 0x02_00_00_00_00_0bL;
    static final long SOURCE_MAC = 0x02_00_00_00_00_0aL;
    /** IEEE 802 local experimental EtherType: nothing in the kernel reacts to it. */
    static final int ETHERTYPE = 0x88b5;
    /** TUN packets: 198.51.100.1:40000 -> 198.51.100.2:9 (TEST-NET-2, discard port). */
    static final int SOURCE_IP = 0xc6_33_64_01;
    static final int DESTINATION_IP = 0xc6_33_64_02;
    static final int SOURCE_PORT = 40000;
    static final int DESTINATION_PORT = 9;

    private BenchFrames() {
    }

    /** The smallest frame of each mode: an Ethernet header, or IPv4 + UDP headers. */
    public static int minimumSize(String mode) {
        return "tap".equals(mode) ? 14 : 28;
    }

    /** A direct buffer from {@code alloc} holding one frame of exactly {@code size} bytes. */
    public static ByteBuf frame(ByteBufAllocator alloc, String mode, int size) {
        if (size < minimumSize(mode)) {
            throw new IllegalArgumentException(mode + " frames need at least " + minimumSize(mode) + " bytes");
        }
        ByteBuf frame = alloc.directBuffer(size, size);
        if ("tap".equals(mode)) {
            frame.writeMedium((int) (DESTINATION_MAC >>> 24)).writeMedium((int) DESTINATION_MAC);
            frame.writeMedium((int) (SOURCE_MAC >>> 24)).writeMedium((int) SOURCE_MAC);
            frame.writeShort(ETHERTYPE);
            fillPayload(frame, size - frame.writerIndex());
        } else if ("tun".equals(mode)) {
            int dataLength = size - Ipv4Packet.MIN_HEADER_LENGTH - UdpDatagram.HEADER_LENGTH;
            ByteBuf data = Unpooled.buffer(dataLength);
            fillPayload(data, dataLength);
            Ipv4Packet.writeHeader(frame, Ipv4Packet.PROTOCOL_UDP, SOURCE_IP, DESTINATION_IP,
                    UdpDatagram.HEADER_LENGTH + dataLength);
            UdpDatagram.write(frame, SOURCE_IP, DESTINATION_IP, SOURCE_PORT, DESTINATION_PORT, data, 0, dataLength);
        } else {
            frame.release();
            throw new IllegalArgumentException("mode must be tap or tun, not " + mode);
        }
        return frame;
    }

    private static void fillPayload(ByteBuf out, int length) {
        for (int i = 0; i < length; i++) {
            out.writeByte(i);
        }
    }
}
