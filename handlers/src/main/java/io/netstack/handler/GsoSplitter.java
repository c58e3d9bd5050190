package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.UdpDatagram;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Turns the {@link VirtioNetFrame}s of a channel opened with offloads into plain frames, for a pipeline that wants
 * nothing but MTU-sized frames with correct checksums: what the kernel would have sent without offloads.
 *
 * <ul>
 *   <li>A super-frame ({@code GSO_TCPV4}, {@code GSO_TCPV6}, {@code GSO_UDP_L4}) is cut into segments of
 *       {@code gso_size} payload bytes, each a new buffer with the super-frame's headers: IPv4 total length,
 *       identification (incremented per segment, as Linux's software segmentation does) and header checksum,
 *       or IPv6 payload length; TCP sequence number, with FIN and PSH on the last segment only and CWR on the first
 *       only; or UDP length; and a full TCP/UDP checksum.</li>
 *   <li>A single frame with {@code NEEDS_CSUM} gets its checksum completed in place (the field holds the
 *       pseudo-header sum; the sum from {@code csum_start} to the end of the IP packet completes it).</li>
 *   <li>Any other frame passes on as its bare content; other messages pass untouched.</li>
 * </ul>
 *
 * <p>Segments are allocated with {@link VirtioNetFrame#HEADER_LENGTH} bytes of headroom, so that writing one to a
 * channel that itself has offloads on costs no copy. A frame whose headers do not parse, or do not match its
 * {@code virtio_net_hdr}, is dropped and counted in {@link DropCounters} by its {@link DecodeError}. UFO
 * ({@code GSO_UDP}, IP fragmentation) is not supported (counted as {@link DecodeError#VIRTIO_NET_UNSUPPORTED_GSO}):
 * Linux no longer produces it. Checksums are not verified: the kernel built these frames itself, and every
 * segment gets checksums of its own.
 *
 * <p>Not {@link io.netty.channel.ChannelHandler.Sharable}: it keeps reusable views.
 */
public final class GsoSplitter extends ChannelInboundHandlerAdapter {
    private final PacketDecoder headers;
    private final DropCounters drops;

    /**
     * A splitter with counters of its own.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device
     */
    public GsoSplitter(LinkLayer linkLayer) {
        this(linkLayer, new DropCounters());
    }

    /**
     * A splitter that counts the frames it drops in {@code drops}.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device
     * @param drops     where dropped frames are counted
     */
    public GsoSplitter(LinkLayer linkLayer, DropCounters drops) {
        this.headers = new PacketDecoder(linkLayer);
        this.drops = drops;
    }

    /** {@return the frames dropped so far, by reason} */
    public DropCounters drops() {
        return drops;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof VirtioNetFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (frame.isGso()) {
            DecodeError error;
            try {
                error = split(ctx, frame);
            } finally {
                frame.release();
            }
            if (error != null) {
                drops.increment(error);
            }
            return;
        }
        boolean needsCsum = frame.needsCsum();
        int csumStart = frame.csumStart();
        int csumOffset = frame.csumOffset();
        ByteBuf content = frame.takeContent();
        if (needsCsum && !completeChecksum(content, csumStart, csumOffset)) {
            content.release();
            drops.increment(DecodeError.VIRTIO_NET_BAD_OFFSETS);
            return;
        }
        ctx.fireChannelRead(content);
    }

    /** Completes a partial checksum in place, NEEDS_CSUM's contract; {@code false} if it lies outside the frame. */
    private boolean completeChecksum(ByteBuf frame, int csumStart, int csumOffset) {
        int start = frame.readerIndex() + csumStart;
        // The checksum runs to the end of the IP packet, not over Ethernet padding after it.
        headers.decode(frame);
        int end = headers.ip() != null ? headers.ipEnd() : frame.writerIndex();
        if (start + csumOffset + Short.BYTES > end) {
            return false;
        }
        frame.setShort(start + csumOffset, transmittedChecksum(InternetChecksum.checksum(frame, start, end - start)));
        return true;
    }

    /** A computed 0 goes out as its one's complement twin 0xffff: UDP reads 0 as "no checksum" (RFC 768). */
    private static int transmittedChecksum(int checksum) {
        return checksum == 0 ? 0xffff : checksum;
    }

    /** Fires the segments of {@code frame}; returns why it could not, or {@code null}. */
    private DecodeError split(ChannelHandlerContext ctx, VirtioNetFrame frame) {
        ByteBuf buf = frame.content();
        int start = buf.readerIndex();
        int gso = frame.gsoProtocol();
        boolean tcp = gso == VirtioNetFrame.GSO_TCPV4 || gso == VirtioNetFrame.GSO_TCPV6;
        DecodeError error = headers.decode(buf);
        if (error != null) {
            return error;
        }
        IpPacket ip = headers.ip();
        if (ip == null || headers.kind() == InboundFrame.Kind.IPV4_FRAGMENT) {
            return DecodeError.VIRTIO_NET_UNSUPPORTED_GSO;
        }
        int end = headers.ipEnd();
        // The kernel's csum_start finds the transport header past IPv6 extension headers.
        int transport = frame.needsCsum() ? start + frame.csumStart() : ip.payloadOffset();
        if (transport < ip.payloadOffset() || transport > end) {
            return DecodeError.VIRTIO_NET_BAD_OFFSETS;
        }
        boolean ipv6 = ip.version() == Ipv6Packet.VERSION;
        boolean matches = switch (gso) {
            case VirtioNetFrame.GSO_TCPV4 -> !ipv6;
            case VirtioNetFrame.GSO_TCPV6 -> ipv6;
            case VirtioNetFrame.GSO_UDP_L4 -> true;
            default -> false;
        };
        if (!matches) {
            return DecodeError.VIRTIO_NET_UNSUPPORTED_GSO;
        }
        int protocol = tcp ? Ipv4Packet.PROTOCOL_TCP : Ipv4Packet.PROTOCOL_UDP;
        error = headers.decodeTransport(protocol, transport);
        if (error != null) {
            return error;
        }
        TcpSegment tcpView = headers.tcp();
        int payloadStart = transport + (tcp ? tcpView.headerLength() : UdpDatagram.HEADER_LENGTH);
        int mss = frame.gsoSize();
        if (mss == 0 || payloadStart >= end) {
            return DecodeError.VIRTIO_NET_BAD_OFFSETS;
        }
        int checksumIndex = transport - start + (tcp ? TcpSegment.CHECKSUM_OFFSET : UdpDatagram.CHECKSUM_OFFSET);
        int headerLength = payloadStart - start;
        int ipHeaderLength = payloadStart - ip.offset();
        int sequenceNumber = tcp ? tcpView.sequenceNumber() : 0;
        int flags = tcp ? tcpView.flags() : 0;
        int identification = ipv6 ? 0 : headers.ipv4().identification();
        int last = (end - payloadStart - 1) / mss;
        for (int i = 0; i <= last; i++) {
            int dataIndex = payloadStart + i * mss;
            int dataLength = Math.min(mss, end - dataIndex);
            int transportLength = payloadStart - transport + dataLength;
            // Rewrite the super-frame's headers for this segment, then copy them: its own headers are not needed
            // again, and rewriting through the views keeps the field offsets in one place.
            if (ipv6) {
                headers.ipv6().setPayloadLength(ipHeaderLength + dataLength - Ipv6Packet.HEADER_LENGTH);
            } else {
                headers.ipv4().setTotalLength(ipHeaderLength + dataLength);
                headers.ipv4().setIdentification(identification + i);
                headers.ipv4().updateHeaderChecksum();
            }
            if (tcp) {
                tcpView.setSequenceNumber(sequenceNumber + i * mss);
                tcpView.setFlags(segmentFlags(flags, i, last));
                tcpView.setChecksum(0);
            } else {
                headers.udp().setLengthField(transportLength);
                headers.udp().setChecksum(0);
            }
            ByteBuf segment = ctx.alloc().ioBuffer(VirtioNetFrame.HEADER_LENGTH + headerLength + dataLength);
            segment.setIndex(VirtioNetFrame.HEADER_LENGTH, VirtioNetFrame.HEADER_LENGTH);
            segment.writeBytes(buf, start, headerLength).writeBytes(buf, dataIndex, dataLength);
            int segmentTransport = segment.readerIndex() + transport - start;
            int checksum = InternetChecksum.finish(InternetChecksum.sum(segment, segmentTransport, transportLength,
                    ip.pseudoHeaderSum(protocol, transportLength)));
            segment.setShort(segment.readerIndex() + checksumIndex, transmittedChecksum(checksum));
            ctx.fireChannelRead(segment);
        }
        return null;
    }

    /** FIN and PSH belong to the last segment only, CWR to the first only (as in Linux's tcp_gso_segment). */
    private static int segmentFlags(int flags, int segment, int last) {
        int segmentFlags = flags;
        if (segment > 0) {
            segmentFlags &= ~TcpSegment.CWR;
        }
        if (segment < last) {
            segmentFlags &= ~(TcpSegment.FIN | TcpSegment.PSH);
        }
        return segmentFlags;
    }
}
