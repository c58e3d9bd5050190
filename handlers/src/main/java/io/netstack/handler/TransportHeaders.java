package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;

/**
 * Where the IP and transport headers of a frame are, found with reusable views so that the offload handlers decode
 * a stream of frames without allocating. Checksums are not verified: the frames come from the kernel, or are about
 * to have their checksums rewritten.
 */
final class TransportHeaders {
    final EthernetFrame ethernet = new EthernetFrame();
    final Ipv4Packet ipv4 = new Ipv4Packet();
    final Ipv6Packet ipv6 = new Ipv6Packet();
    final TcpSegment tcp = new TcpSegment();
    final UdpDatagram udp = new UdpDatagram();
    private final LinkLayer linkLayer;

    boolean isIpv6;
    /** Absolute indexes: the IP header, the transport header, the end of the IP packet (before any padding). */
    int ipOffset;
    int transportOffset;
    int end;
    DecodeError error;

    TransportHeaders(LinkLayer linkLayer) {
        this.linkLayer = linkLayer;
    }

    /**
     * Finds the IP packet in the readable bytes of {@code frame}. The transport header follows the IP header,
     * unless {@code transportOffset} (absolute, or -1) says where it is, as virtio's csum_start does past IPv6
     * extension headers.
     *
     * @return whether the frame holds a well-formed IPv4 or IPv6 packet that is not a fragment; if not,
     *         {@link #error} tells why, or is {@code null} for a frame that is simply not IP
     */
    boolean decodeIp(ByteBuf frame, int transportOffset) {
        error = null;
        int start = frame.readerIndex();
        int frameEnd = frame.writerIndex();
        int version;
        if (linkLayer == LinkLayer.ETHERNET) {
            if (!ethernet.wrap(frame, start, frameEnd - start)) {
                error = ethernet.error();
                return false;
            }
            ipOffset = ethernet.payloadOffset();
            version = switch (ethernet.etherType()) {
                case EthernetFrame.ETHERTYPE_IPV4 -> Ipv4Packet.VERSION;
                case EthernetFrame.ETHERTYPE_IPV6 -> Ipv6Packet.VERSION;
                default -> 0;
            };
        } else {
            ipOffset = start;
            version = ipOffset < frameEnd ? frame.getUnsignedByte(ipOffset) >>> 4 : 0;
        }
        if (version == Ipv4Packet.VERSION) {
            isIpv6 = false;
            if (!ipv4.wrap(frame, ipOffset, frameEnd - ipOffset)) {
                error = ipv4.error();
                return false;
            }
            if (ipv4.isFragment()) {
                return false;
            }
            this.transportOffset = ipv4.payloadOffset();
            end = ipOffset + ipv4.length();
        } else if (version == Ipv6Packet.VERSION) {
            isIpv6 = true;
            if (!ipv6.wrap(frame, ipOffset, frameEnd - ipOffset)) {
                error = ipv6.error();
                return false;
            }
            this.transportOffset = ipv6.payloadOffset();
            end = ipOffset + ipv6.length();
        } else {
            return false;
        }
        if (transportOffset >= 0) {
            if (transportOffset < this.transportOffset || transportOffset > end) {
                error = DecodeError.VIRTIO_NET_BAD_OFFSETS;
                return false;
            }
            this.transportOffset = transportOffset;
        }
        return true;
    }

    /** The upper-layer protocol: IPv4's protocol field, or IPv6's next header (which may be an extension header). */
    int protocol() {
        return isIpv6 ? ipv6.nextHeader() : ipv4.protocol();
    }

    /** Points {@link #tcp} at the transport header; call after {@link #decodeIp}. */
    boolean decodeTcp(ByteBuf frame) {
        if (!tcp.wrap(frame, transportOffset, end - transportOffset)) {
            error = tcp.error();
            return false;
        }
        return true;
    }

    /** Points {@link #udp} at the transport header; call after {@link #decodeIp}. */
    boolean decodeUdp(ByteBuf frame) {
        if (!udp.wrap(frame, transportOffset, end - transportOffset)) {
            error = udp.error();
            return false;
        }
        return true;
    }

    /** The pseudo-header sum for a transport segment of {@code protocol} and {@code transportLength} bytes. */
    long pseudoHeaderSum(int protocol, int transportLength) {
        return isIpv6 ? ipv6.pseudoHeaderSum(protocol, transportLength)
                : InternetChecksum.pseudoHeaderSum(ipv4.source(), ipv4.destination(), protocol, transportLength);
    }
}
