package io.netstack.handler;

import io.netstack.wire.InternetChecksum;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Merges consecutive, in-order TCP segments of one flow into a super-frame, as Linux's GRO does on receive, so that
 * a channel with offloads on (or any consumer of {@link VirtioNetFrame}s) moves one 64 KiB frame where it would move
 * forty-five of 1448 bytes: the kernel behind a TAP device then takes the super-frame in one write and hands it to
 * TCP in one piece.
 *
 * <p>Put it in the pipeline of the channel the plain frames are read from; downstream sees:
 * <ul>
 *   <li>a {@link VirtioNetFrame} with {@code gso_type} TCPV4 or TCPV6, {@code gso_size} the first segment's payload
 *       length, {@code NEEDS_CSUM} (the TCP checksum field holds the pseudo-header sum), IPv4 total length and
 *       header checksum or IPv6 payload length for the whole, and PSH if the last segment had it, when two or more
 *       segments were merged;</li>
 *   <li>the frame unchanged when there was nothing to merge it with, and every other message in its place in the
 *       order.</li>
 * </ul>
 *
 * <p>A segment joins the one before it when it carries data, belongs to the same flow (same link header, same IP
 * header but for the lengths, identification and checksum, same ports, acknowledgment number, window and options,
 * only ACK or ACK|PSH set), starts at the sequence number where the one before ended, and carries no more than the
 * first one's payload. What is pending goes downstream on {@code channelReadComplete}, when the next segment does not
 * join (another flow, out of order, other flags, a pure ACK, a non-TCP frame), after a segment shorter than the first
 * or with PSH, and before the super-frame would exceed {@code maxPacketLength}. Only IPv4 without options and IPv6
 * without extension headers are merged, as in Linux. As in Linux, too, a segment joins only if its checksums
 * verify: the super-frame goes on with {@code NEEDS_CSUM}, which tells the kernel the data is good, so a corrupted
 * segment must not be laundered into it; it passes on unchanged instead, for the receiver to drop.
 *
 * <p>The super-frame is one buffer with {@link VirtioNetFrame#HEADER_LENGTH} bytes of headroom, into which each
 * segment's payload is copied once. Not {@link io.netty.channel.ChannelHandler.Sharable}.
 */
public final class GroCoalescer extends ChannelInboundHandlerAdapter {
    /** The largest IP packet a super-frame may become by default: what IPv4's 16-bit total length allows. */
    public static final int DEFAULT_MAX_PACKET_LENGTH = 0xffff;

    private static final int MERGEABLE_FLAGS = TcpSegment.ACK | TcpSegment.PSH;

    private final PacketDecoder headers;
    private final int maxPacketLength;
    /** The views of the pending frame's headers, which a segment must match to join. */
    private final Ipv4Packet pendingIpv4 = new Ipv4Packet();
    private final Ipv6Packet pendingIpv6 = new Ipv6Packet();
    private final TcpSegment pendingTcp = new TcpSegment();

    /** The first segment alone, or the super-frame being built; {@code null} when nothing is pending. */
    private ByteBuf pending;
    private int segments;
    /** Offsets from the pending frame's reader index, and what the next segment must match. */
    private int ipOffset;
    private int transportOffset;
    private int payloadOffset;
    private boolean ipv6;
    private int gsoSize;
    private int nextSequenceNumber;
    private boolean closed;
    private boolean push;

    /**
     * A coalescer with {@link #DEFAULT_MAX_PACKET_LENGTH}.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device
     */
    public GroCoalescer(LinkLayer linkLayer) {
        this(linkLayer, DEFAULT_MAX_PACKET_LENGTH);
    }

    /**
     * A coalescer that stops merging before a super-frame grows past {@code maxPacketLength}.
     *
     * @param linkLayer       what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device
     * @param maxPacketLength the largest IP packet (header included) a super-frame may become, at most 65535
     * @throws IllegalArgumentException if {@code maxPacketLength} is below an IPv6 header or above 65535
     */
    public GroCoalescer(LinkLayer linkLayer, int maxPacketLength) {
        if (maxPacketLength < Ipv6Packet.HEADER_LENGTH || maxPacketLength > DEFAULT_MAX_PACKET_LENGTH) {
            throw new IllegalArgumentException("maxPacketLength must be " + Ipv6Packet.HEADER_LENGTH + ".."
                    + DEFAULT_MAX_PACKET_LENGTH + ": " + maxPacketLength);
        }
        this.headers = new PacketDecoder(linkLayer);
        this.maxPacketLength = maxPacketLength;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame) || !decodeDataSegment(frame)) {
            flushPending(ctx);
            ctx.fireChannelRead(msg);
            return;
        }
        if (pending != null && joins(frame)) {
            append(ctx, frame);
            if (closed) {
                flushPending(ctx);
            }
            return;
        }
        flushPending(ctx);
        start(frame);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushPending(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        flushPending(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        flushPending(ctx);
    }

    /**
     * Whether {@code frame} is a well-formed TCP segment with data and valid checksums that could be merged, its
     * headers then in {@link #headers}.
     */
    private boolean decodeDataSegment(ByteBuf frame) {
        if (headers.decode(frame) != null || headers.kind() != InboundFrame.Kind.TCP
                || headers.ip() == headers.ipv4() && headers.ipv4().headerLength() != Ipv4Packet.MIN_HEADER_LENGTH) {
            return false;
        }
        TcpSegment tcp = headers.tcp();
        return tcp.payloadLength() > 0 && (tcp.flags() & ~MERGEABLE_FLAGS) == 0 && tcp.hasFlags(TcpSegment.ACK)
                && headers.verifyChecksums() == null;
    }

    private void start(ByteBuf frame) {
        int start = frame.readerIndex();
        TcpSegment tcp = headers.tcp();
        IpPacket ip = headers.ip();
        pending = frame;
        segments = 1;
        ipv6 = ip.version() == Ipv6Packet.VERSION;
        ipOffset = ip.offset() - start;
        transportOffset = tcp.offset() - start;
        payloadOffset = tcp.payloadOffset() - start;
        gsoSize = tcp.payloadLength();
        nextSequenceNumber = tcp.sequenceNumber() + gsoSize;
        push = tcp.hasFlags(TcpSegment.PSH);
        closed = push;
        wrapPending();
    }

    /** Points the pending views at the headers of {@link #pending}, which are already known to be well-formed. */
    private void wrapPending() {
        int base = pending.readerIndex();
        int end = base + pendingLength();
        if (ipv6) {
            pendingIpv6.wrap(pending, base + ipOffset, end - base - ipOffset);
        } else {
            pendingIpv4.wrap(pending, base + ipOffset, end - base - ipOffset);
        }
        pendingTcp.wrap(pending, base + transportOffset, end - base - transportOffset);
    }

    /** Whether the segment in {@link #headers} continues the pending flow, and fits. */
    private boolean joins(ByteBuf frame) {
        TcpSegment tcp = headers.tcp();
        int start = frame.readerIndex();
        int payloadLength = tcp.payloadLength();
        boolean segmentIpv6 = headers.ip() == headers.ipv6();
        if (closed || segmentIpv6 != ipv6 || tcp.sequenceNumber() != nextSequenceNumber
                || payloadLength > gsoSize
                || tcp.offset() - start != transportOffset
                || tcp.payloadOffset() - start != payloadOffset
                || pendingLength() - ipOffset + payloadLength > maxPacketLength) {
            return false;
        }
        boolean sameIp = ipv6 ? sameFlow(headers.ipv6(), pendingIpv6) : sameFlow(headers.ipv4(), pendingIpv4);
        return sameIp
                && ByteBufUtil.equals(frame, start, pending, pending.readerIndex(), ipOffset)
                && sameFlow(tcp, pendingTcp);
    }

    /** All fields equal but the total length, identification and header checksum, which merging rewrites. */
    private static boolean sameFlow(Ipv4Packet segment, Ipv4Packet pending) {
        return segment.dscp() == pending.dscp() && segment.ecn() == pending.ecn()
                && segment.flags() == pending.flags() && segment.fragmentOffset() == pending.fragmentOffset()
                && segment.ttl() == pending.ttl() && segment.protocol() == pending.protocol()
                && segment.source() == pending.source() && segment.destination() == pending.destination();
    }

    /** All fields equal but the payload length, which merging rewrites. */
    private static boolean sameFlow(Ipv6Packet segment, Ipv6Packet pending) {
        return segment.trafficClass() == pending.trafficClass() && segment.flowLabel() == pending.flowLabel()
                && segment.nextHeader() == pending.nextHeader() && segment.hopLimit() == pending.hopLimit()
                && ByteBufUtil.equals(segment.buffer(), segment.sourceOffset(), pending.buffer(),
                        pending.sourceOffset(), 2 * Ipv6Packet.ADDRESS_LENGTH);
    }

    /**
     * All fields and options equal but the sequence number, PSH and the checksum. The pending segment has no PSH
     * (it would be closed); the joining one may have it.
     */
    private static boolean sameFlow(TcpSegment segment, TcpSegment pending) {
        return segment.sourcePort() == pending.sourcePort() && segment.destinationPort() == pending.destinationPort()
                && segment.acknowledgmentNumber() == pending.acknowledgmentNumber()
                && segment.dataOffset() == pending.dataOffset()
                && ((segment.flags() ^ pending.flags()) & ~TcpSegment.PSH) == 0
                && segment.window() == pending.window() && segment.urgentPointer() == pending.urgentPointer()
                && ByteBufUtil.equals(segment.buffer(), segment.optionsOffset(), pending.buffer(),
                        pending.optionsOffset(), segment.optionsLength());
    }

    /** The pending frame's length up to the end of its IP packet. */
    private int pendingLength() {
        return segments == 1 ? payloadOffset + gsoSize : pending.readableBytes();
    }

    private void append(ChannelHandlerContext ctx, ByteBuf frame) {
        TcpSegment tcp = headers.tcp();
        if (segments == 1) {
            // The second segment: from here on the frames are copied into one buffer, as large as it may become.
            ByteBuf first = pending;
            int length = pendingLength();
            ByteBuf merged = ctx.alloc().ioBuffer(
                    VirtioNetFrame.HEADER_LENGTH + ipOffset + maxPacketLength);
            merged.setIndex(VirtioNetFrame.HEADER_LENGTH, VirtioNetFrame.HEADER_LENGTH);
            merged.writeBytes(first, first.readerIndex(), length);
            first.release();
            pending = merged;
            wrapPending();
        }
        int payloadLength = tcp.payloadLength();
        pending.writeBytes(frame, tcp.payloadOffset(), payloadLength);
        boolean segmentPush = tcp.hasFlags(TcpSegment.PSH);
        frame.release();
        segments++;
        nextSequenceNumber += payloadLength;
        push |= segmentPush;
        closed = segmentPush || payloadLength < gsoSize;
    }

    private void flushPending(ChannelHandlerContext ctx) {
        ByteBuf frame = pending;
        if (frame == null) {
            return;
        }
        pending = null;
        if (segments == 1) {
            ctx.fireChannelRead(frame);
            return;
        }
        int ipLength = frame.readableBytes() - ipOffset;
        int transportLength = frame.readableBytes() - transportOffset;
        long pseudoHeaderSum;
        if (ipv6) {
            pendingIpv6.setPayloadLength(ipLength - Ipv6Packet.HEADER_LENGTH);
            pseudoHeaderSum = pendingIpv6.pseudoHeaderSum(Ipv4Packet.PROTOCOL_TCP, transportLength);
        } else {
            pendingIpv4.setTotalLength(ipLength);
            pendingIpv4.updateHeaderChecksum();
            pseudoHeaderSum = pendingIpv4.pseudoHeaderSum(Ipv4Packet.PROTOCOL_TCP, transportLength);
        }
        if (push) {
            pendingTcp.setFlags(pendingTcp.flags() | TcpSegment.PSH);
        }
        // NEEDS_CSUM: the field holds the folded pseudo-header sum, which the sum of the rest will complete.
        pendingTcp.setChecksum(InternetChecksum.fold(pseudoHeaderSum));
        ctx.fireChannelRead(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM,
                ipv6 ? VirtioNetFrame.GSO_TCPV6 : VirtioNetFrame.GSO_TCPV4, payloadOffset, gsoSize,
                transportOffset, TcpSegment.CHECKSUM_OFFSET, frame));
    }
}
