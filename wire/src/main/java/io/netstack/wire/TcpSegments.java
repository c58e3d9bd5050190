package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Builds TCP segments in IP packets, straight into one pooled buffer with {@link Frames#LINK_HEADROOM} bytes free
 * before the IP header for the link layer: {@link #start} writes the IP header and the fixed TCP header, the caller
 * appends the options with {@link TcpOptions}' writers and then the payload, and {@link #finish} sets the checksum.
 */
public final class TcpSegments {
    private static final int DATA_OFFSET_UNIT = 4;
    private static final int MAX_OPTIONS_LENGTH = 40;

    private TcpSegments() {
    }

    /**
     * Allocates a packet for one segment and writes its IP header and fixed TCP header.
     *
     * @param alloc           the allocator
     * @param ip              the flow's IP header, its protocol TCP
     * @param sourcePort      the source port
     * @param destinationPort the destination port
     * @param sequenceNumber  the first sequence number the segment occupies
     * @param ack             the acknowledgment number, sent as is (0 without {@link TcpSegment#ACK})
     * @param flags           the control bits, e.g. {@link TcpSegment#ACK}
     * @param window          the window field, already scaled down, 0 to 65535
     * @param optionsLength   the length of the options the caller appends next, a multiple of 4 up to 40
     * @param payloadLength   the length of the payload the caller appends after them
     * @return the packet, readable from its IP header, written up to the options
     */
    public static ByteBuf start(ByteBufAllocator alloc, IpHeader ip, int sourcePort, int destinationPort,
                                int sequenceNumber, int ack, int flags, int window, int optionsLength,
                                int payloadLength) {
        if (optionsLength % DATA_OFFSET_UNIT != 0 || optionsLength > MAX_OPTIONS_LENGTH) {
            throw new IllegalArgumentException("TCP options of " + optionsLength + " bytes");
        }
        int segmentLength = TcpSegment.MIN_HEADER_LENGTH + optionsLength + payloadLength;
        ByteBuf packet = alloc.ioBuffer(Frames.LINK_HEADROOM + ip.length() + segmentLength);
        packet.setIndex(Frames.LINK_HEADROOM, Frames.LINK_HEADROOM);
        ip.write(packet, segmentLength);
        packet.writeShort(sourcePort);
        packet.writeShort(destinationPort);
        packet.writeInt(sequenceNumber);
        packet.writeInt(ack);
        packet.writeByte((TcpSegment.MIN_HEADER_LENGTH + optionsLength) / DATA_OFFSET_UNIT << 4);
        packet.writeByte(flags);
        packet.writeShort(window);
        packet.writeInt(0); // checksum and urgent pointer
        return packet;
    }

    /**
     * Sets the checksum of the segment {@link #start} began in {@code packet}, over everything written since.
     *
     * @param packet the packet, its options and payload written
     * @param ip     the header it was started with
     */
    public static void finish(ByteBuf packet, IpHeader ip) {
        int segmentStart = packet.readerIndex() + ip.length();
        int segmentLength = packet.writerIndex() - segmentStart;
        packet.setShort(segmentStart + TcpSegment.CHECKSUM_OFFSET, InternetChecksum.finish(
                InternetChecksum.sum(packet, segmentStart, segmentLength, ip.pseudoHeaderSum(segmentLength))));
    }
}
