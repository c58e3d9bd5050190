package io.netstack.handler;

import io.netstack.wire.InternetChecksum;
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
 * without extension headers are merged, as in Linux.
 *
 * <p>The super-frame is one buffer with {@link VirtioNetFrame#HEADER_LENGTH} bytes of headroom, into which each
 * segment's payload is copied once. Not {@link io.netty.channel.ChannelHandler.Sharable}.
 */
public final class GroCoalescer extends ChannelInboundHandlerAdapter {
    /** The largest IP packet a super-frame may become by default: what IPv4's 16-bit total length allows. */
    public static final int DEFAULT_MAX_PACKET_LENGTH = 0xffff;

    private static final int MERGEABLE_FLAGS = TcpSegment.ACK | TcpSegment.PSH;
    /** The bytes of an IPv4 header that must match: all but total length, identification and checksum. */
    private static final int IPV4_TOS_END = 2;
    private static final int IPV4_FLAGS_OFFSET = 6;
    private static final int IPV4_FLAGS_TO_PROTOCOL = 4;
    private static final int IPV4_ADDRESSES_OFFSET = 12;
    private static final int IPV4_ADDRESSES_LENGTH = 8;
    /** The bytes of an IPv6 header that must match: all but the payload length. */
    private static final int IPV6_FIRST_WORD = 4;
    private static final int IPV6_NEXT_HEADER_OFFSET = 6;
    /** The bytes of a TCP header that must match: all but the sequence number, PSH and the checksum. */
    private static final int TCP_PORTS_LENGTH = 4;
    private static final int TCP_ACK_OFFSET = 8;
    private static final int TCP_ACK_AND_DATA_OFFSET_LENGTH = 5;
    private static final int TCP_FLAGS_OFFSET = 13;
    private static final int TCP_WINDOW_OFFSET = 14;
    private static final int TCP_URGENT_POINTER_OFFSET = 18;

    private final TransportHeaders headers;
    private final int maxPacketLength;

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

    /** A coalescer with {@link #DEFAULT_MAX_PACKET_LENGTH}. */
    public GroCoalescer(LinkLayer linkLayer) {
        this(linkLayer, DEFAULT_MAX_PACKET_LENGTH);
    }

    /**
     * @param maxPacketLength the largest IP packet (header included) a super-frame may become, at most 65535
     */
    public GroCoalescer(LinkLayer linkLayer, int maxPacketLength) {
        if (maxPacketLength < Ipv6Packet.HEADER_LENGTH || maxPacketLength > DEFAULT_MAX_PACKET_LENGTH) {
            throw new IllegalArgumentException("maxPacketLength must be " + Ipv6Packet.HEADER_LENGTH + ".."
                    + DEFAULT_MAX_PACKET_LENGTH + ": " + maxPacketLength);
        }
        this.headers = new TransportHeaders(linkLayer);
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

    /** Whether {@code frame} is a TCP segment with data that could be merged, its headers then in {@link #headers}. */
    private boolean decodeDataSegment(ByteBuf frame) {
        if (!headers.decodeIp(frame, -1) || headers.protocol() != Ipv4Packet.PROTOCOL_TCP
                || !headers.isIpv6 && headers.ipv4.headerLength() != Ipv4Packet.MIN_HEADER_LENGTH
                || !headers.decodeTcp(frame)) {
            return false;
        }
        TcpSegment tcp = headers.tcp;
        return tcp.payloadLength() > 0 && (tcp.flags() & ~MERGEABLE_FLAGS) == 0 && tcp.hasFlags(TcpSegment.ACK);
    }

    private void start(ByteBuf frame) {
        int start = frame.readerIndex();
        TcpSegment tcp = headers.tcp;
        pending = frame;
        segments = 1;
        ipv6 = headers.isIpv6;
        ipOffset = headers.ipOffset - start;
        transportOffset = headers.transportOffset - start;
        payloadOffset = tcp.payloadOffset() - start;
        gsoSize = tcp.payloadLength();
        nextSequenceNumber = tcp.sequenceNumber() + gsoSize;
        push = tcp.hasFlags(TcpSegment.PSH);
        closed = push;
    }

    /** Whether the segment in {@link #headers} continues the pending flow, and fits. */
    private boolean joins(ByteBuf frame) {
        TcpSegment tcp = headers.tcp;
        int start = frame.readerIndex();
        int base = pending.readerIndex();
        int payloadLength = tcp.payloadLength();
        if (closed || headers.isIpv6 != ipv6 || tcp.sequenceNumber() != nextSequenceNumber
                || payloadLength > gsoSize
                || headers.transportOffset - start != transportOffset
                || tcp.payloadOffset() - start != payloadOffset
                || pendingLength() - ipOffset + payloadLength > maxPacketLength) {
            return false;
        }
        int ip = headers.ipOffset;
        int pendingIp = base + ipOffset;
        boolean sameIp = ipv6
                ? ByteBufUtil.equals(frame, ip, pending, pendingIp, IPV6_FIRST_WORD)
                        && ByteBufUtil.equals(frame, ip + IPV6_NEXT_HEADER_OFFSET, pending,
                                pendingIp + IPV6_NEXT_HEADER_OFFSET,
                                Ipv6Packet.HEADER_LENGTH - IPV6_NEXT_HEADER_OFFSET)
                : ByteBufUtil.equals(frame, ip, pending, pendingIp, IPV4_TOS_END)
                        && ByteBufUtil.equals(frame, ip + IPV4_FLAGS_OFFSET, pending, pendingIp + IPV4_FLAGS_OFFSET,
                                IPV4_FLAGS_TO_PROTOCOL)
                        && ByteBufUtil.equals(frame, ip + IPV4_ADDRESSES_OFFSET, pending,
                                pendingIp + IPV4_ADDRESSES_OFFSET, IPV4_ADDRESSES_LENGTH);
        int transport = headers.transportOffset;
        int pendingTransport = base + transportOffset;
        return sameIp
                && ByteBufUtil.equals(frame, start, pending, base, ipOffset)
                && ByteBufUtil.equals(frame, transport, pending, pendingTransport, TCP_PORTS_LENGTH)
                && ByteBufUtil.equals(frame, transport + TCP_ACK_OFFSET, pending, pendingTransport + TCP_ACK_OFFSET,
                        TCP_ACK_AND_DATA_OFFSET_LENGTH)
                // The pending segment has no PSH (it would be closed); the joining one may have it.
                && ((frame.getByte(transport + TCP_FLAGS_OFFSET)
                        ^ pending.getByte(pendingTransport + TCP_FLAGS_OFFSET)) & ~TcpSegment.PSH) == 0
                && frame.getShort(transport + TCP_WINDOW_OFFSET)
                        == pending.getShort(pendingTransport + TCP_WINDOW_OFFSET)
                && ByteBufUtil.equals(frame, transport + TCP_URGENT_POINTER_OFFSET, pending,
                        pendingTransport + TCP_URGENT_POINTER_OFFSET,
                        payloadOffset - transportOffset - TCP_URGENT_POINTER_OFFSET);
    }

    /** The pending frame's length up to the end of its IP packet. */
    private int pendingLength() {
        return segments == 1 ? payloadOffset + gsoSize : pending.readableBytes();
    }

    private void append(ChannelHandlerContext ctx, ByteBuf frame) {
        TcpSegment tcp = headers.tcp;
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
        int base = frame.readerIndex();
        int ipLength = frame.readableBytes() - ipOffset;
        int ip = base + ipOffset;
        int transport = base + transportOffset;
        int transportLength = frame.readableBytes() - transportOffset;
        long pseudoHeaderSum;
        if (ipv6) {
            headers.ipv6.wrap(frame, ip, ipLength);
            headers.ipv6.setPayloadLength(ipLength - Ipv6Packet.HEADER_LENGTH);
            pseudoHeaderSum = headers.ipv6.pseudoHeaderSum(Ipv4Packet.PROTOCOL_TCP, transportLength);
        } else {
            headers.ipv4.wrap(frame, ip, ipLength);
            headers.ipv4.setTotalLength(ipLength);
            headers.ipv4.updateHeaderChecksum();
            pseudoHeaderSum = headers.ipv4.pseudoHeaderSum(transportLength);
        }
        TcpSegment tcp = headers.tcp;
        tcp.wrap(frame, transport, transportLength);
        if (push) {
            tcp.setFlags(tcp.flags() | TcpSegment.PSH);
        }
        // NEEDS_CSUM: the field holds the folded pseudo-header sum, which the sum of the rest will complete.
        tcp.setChecksum(InternetChecksum.fold(pseudoHeaderSum));
        ctx.fireChannelRead(VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM,
                ipv6 ? VirtioNetFrame.GSO_TCPV6 : VirtioNetFrame.GSO_TCPV4, payloadOffset, gsoSize,
                transportOffset, TcpSegment.CHECKSUM_OFFSET, frame));
    }
}
