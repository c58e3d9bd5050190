package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;

import static java.util.Objects.requireNonNull;

/**
 * Decodes the headers of a frame into reusable views, layer by layer: the link layer (Ethernet with its VLAN tags,
 * or none on a TUN device), ARP, IPv4 or IPv6 with its extension headers, and ICMPv4, ICMPv6 (Neighbor
 * Discovery's solicitations and advertisements included), UDP or TCP. It is the one decoder of the host
 * ({@link InboundFrame}) and of the offload handlers ({@link GsoSplitter}, {@link GroCoalescer}); re-pointing its
 * views at each frame allocates nothing.
 *
 * <p>Decoding is two steps, as in the views themselves. {@link #decode} checks structure (lengths, versions, header
 * lengths), without which the views would read the wrong bytes. {@link #verifyChecksums} then verifies every
 * checksum of the layers decoded; a caller skips it for a frame whose checksums the kernel has verified
 * ({@code VIRTIO_NET_HDR_F_DATA_VALID}) or whose checksum it is about to rewrite.
 *
 * <p>IPv6 extension headers are walked by an {@link Ipv6ExtensionHeaders}, as RFC 8200 asks of a destination: a
 * packet it says to discard (a fragment, No Next Header, a truncated header, an option whose type says discard) is
 * reported by the walker's {@link DecodeError}; one it says deserves a Parameter Problem decodes without error as
 * {@link InboundFrame.Kind#IPV6_OTHER}, so that an ICMP error handler finds the verdict and pointer in
 * {@link #ipv6ExtensionHeaders()}. An IPv6 packet from a source no answer can go to (a multicast or IPv4-mapped
 * address, or {@code ::} on what only a node with an address sends) is an error. IPv4 fragments are not
 * reassembled, so their upper layer is not decoded. Not thread-safe: one per channel.
 */
public final class PacketDecoder {
    private final LinkLayer linkLayer;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final Ipv6Packet ipv6 = new Ipv6Packet();
    private final Ipv6ExtensionHeaders ipv6ExtensionHeaders = new Ipv6ExtensionHeaders();
    private final Icmpv4Packet icmpv4 = new Icmpv4Packet();
    private final Icmpv6Packet icmpv6 = new Icmpv6Packet();
    private final NeighborDiscoveryMessage neighborDiscovery = new NeighborDiscoveryMessage();
    private final UdpDatagram udp = new UdpDatagram();
    private final TcpSegment tcp = new TcpSegment();
    /** {@link #ipv4}, {@link #ipv6}, or {@code null} while no IP packet has been found in the frame. */
    private IpPacket ip;
    private InboundFrame.Kind kind;

    /**
     * A decoder of the frames of a device.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on
     *                  a TUN device
     */
    public PacketDecoder(LinkLayer linkLayer) {
        this.linkLayer = requireNonNull(linkLayer, "linkLayer");
    }

    /**
     * Checks the structure of the readable bytes of {@code frame}, as deep as this class knows the protocols, and
     * points the views at the layers found. The frame's indexes and reference count are left alone.
     *
     * @param frame the frame, its reader index at the link-layer header
     * @return {@code null} if every layer is well-formed, else the first broken layer's error; {@link #kind()} then
     *         tells which protocol that layer was expected to be
     */
    public DecodeError decode(ByteBuf frame) {
        ip = null;
        kind = InboundFrame.Kind.OTHER_ETHERTYPE;
        int start = frame.readerIndex();
        int length = frame.readableBytes();
        if (linkLayer == LinkLayer.IP) {
            int version = length > 0 ? frame.getUnsignedByte(start) >>> 4 : 0;
            return switch (version) {
                case Ipv4Packet.VERSION -> decodeIpv4(frame, start, length);
                case Ipv6Packet.VERSION -> decodeIpv6(frame, start, length);
                default -> null;
            };
        }
        if (!ethernet.wrap(frame, start, length)) {
            return ethernet.error();
        }
        int payload = ethernet.payloadOffset();
        int payloadLength = ethernet.payloadLength();
        return switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_ARP -> {
                kind = InboundFrame.Kind.ARP;
                yield arp.wrap(frame, payload, payloadLength) ? null : arp.error();
            }
            case EthernetFrame.ETHERTYPE_IPV4 -> decodeIpv4(frame, payload, payloadLength);
            case EthernetFrame.ETHERTYPE_IPV6 -> decodeIpv6(frame, payload, payloadLength);
            default -> null;
        };
    }

    private DecodeError decodeIpv4(ByteBuf frame, int offset, int length) {
        kind = InboundFrame.Kind.IPV4_OTHER;
        if (!ipv4.wrap(frame, offset, length)) {
            return ipv4.error();
        }
        ip = ipv4;
        if (ipv4.isFragment()) {
            kind = InboundFrame.Kind.IPV4_FRAGMENT;
            return null;
        }
        if (ipv4.protocol() == Ipv4Packet.PROTOCOL_ICMP) {
            kind = InboundFrame.Kind.ICMPV4;
            return icmpv4.wrap(frame, ipv4.payloadOffset(), ipv4.payloadLength()) ? null : icmpv4.error();
        }
        return decodeTransport(ipv4.protocol(), ipv4.payloadOffset());
    }

    private DecodeError decodeIpv6(ByteBuf frame, int offset, int length) {
        kind = InboundFrame.Kind.IPV6_OTHER;
        if (!ipv6.wrap(frame, offset, length)) {
            return ipv6.error();
        }
        ip = ipv6;
        if (Ipv6Address.isMulticast(frame, ipv6.sourceOffset())) {
            return DecodeError.IPV6_MULTICAST_SOURCE;
        }
        if (Ipv6Address.isIpv4Mapped(frame, ipv6.sourceOffset())) {
            return DecodeError.IPV6_IPV4_MAPPED_SOURCE;
        }
        DecodeError error = switch (ipv6ExtensionHeaders.walk(ipv6)) {
            case UPPER_LAYER -> decodeIpv6UpperLayer();
            // Left for the ICMP error handler, which finds the code and pointer in the walker.
            case PARAMETER_PROBLEM -> null;
            case FRAGMENT, NO_NEXT_HEADER, DISCARD -> ipv6ExtensionHeaders.error();
        };
        if (error == null && Ipv6Address.UNSPECIFIED.matches(frame, ipv6.sourceOffset())
                && !mayComeFromUnspecified()) {
            return DecodeError.IPV6_UNSPECIFIED_SOURCE;
        }
        return error;
    }

    /**
     * Whether the decoded message is one a node sends from {@code ::} before it has an address: duplicate address
     * detection's Neighbor Solicitation (RFC 4862 section 5.4.2), or a Multicast Listener Report for the
     * solicited-node group it joins meanwhile (RFC 3810 section 5.2.13, RFC 3590 section 4).
     */
    private boolean mayComeFromUnspecified() {
        return switch (kind) {
            case NDP -> neighborDiscovery.isSolicitation();
            case ICMPV6 -> icmpv6.type() == Icmpv6Packet.TYPE_MULTICAST_LISTENER_REPORT
                    || icmpv6.type() == Icmpv6Packet.TYPE_MULTICAST_LISTENER_REPORT_V2;
            default -> false;
        };
    }

    private DecodeError decodeIpv6UpperLayer() {
        int protocol = ipv6ExtensionHeaders.upperLayerProtocol();
        if (protocol != Ipv6Packet.PROTOCOL_ICMPV6) {
            return decodeTransport(protocol, ipv6ExtensionHeaders.upperLayerOffset());
        }
        kind = InboundFrame.Kind.ICMPV6;
        if (!ipv6ExtensionHeaders.wrapUpperLayer(icmpv6)) {
            return icmpv6.error();
        }
        int type = icmpv6.type();
        if (type != Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION && type != Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT) {
            return null;
        }
        kind = InboundFrame.Kind.NDP;
        if (!ipv6ExtensionHeaders.wrapUpperLayer(neighborDiscovery)) {
            return neighborDiscovery.error();
        }
        return neighborDiscovery.ipHeaderError(ipv6);
    }

    /**
     * Points the UDP or TCP view at {@code offset}, up to the end of the IP packet: right after its header, or where
     * a virtio {@code csum_start} says it is, past IPv6 extension headers. Call after a {@link #decode} that found
     * an IP packet.
     *
     * @param protocol {@link Ipv4Packet#PROTOCOL_UDP} or {@link Ipv4Packet#PROTOCOL_TCP}; for any other the kind
     *                 stays as it is and nothing is decoded
     * @param offset   the absolute index of the transport header, within the IP packet's payload
     * @return {@code null} if the header is well-formed, else why not
     */
    public DecodeError decodeTransport(int protocol, int offset) {
        int length = ipEnd() - offset;
        return switch (protocol) {
            case Ipv4Packet.PROTOCOL_UDP -> {
                kind = InboundFrame.Kind.UDP;
                yield udp.wrap(ip.buffer(), offset, length) ? null : udp.error();
            }
            case Ipv4Packet.PROTOCOL_TCP -> {
                kind = InboundFrame.Kind.TCP;
                yield tcp.wrap(ip.buffer(), offset, length) ? null : tcp.error();
            }
            default -> null;
        };
    }

    /**
     * Verifies the checksums of the layers the last {@link #decode} found: the IPv4 header's, and the ICMPv4,
     * ICMPv6, UDP or TCP checksum (over the pseudo-header of IPv4 or IPv6, whose upper-layer length leaves the
     * extension headers out). Call only after a successful decode.
     *
     * @return {@code null} if every checksum verifies, else the first failure, e.g.
     *         {@link DecodeError#IPV4_BAD_CHECKSUM}
     */
    public DecodeError verifyChecksums() {
        if (ip == ipv4 && !ipv4.isChecksumValid()) {
            return DecodeError.IPV4_BAD_CHECKSUM;
        }
        return switch (kind) {
            case ICMPV4 -> icmpv4.isChecksumValid() ? null : DecodeError.ICMPV4_BAD_CHECKSUM;
            case ICMPV6, NDP -> icmpv6.isChecksumValid(ipv6) ? null : DecodeError.ICMPV6_BAD_CHECKSUM;
            case UDP -> udp.isChecksumValid(ip) ? null : DecodeError.UDP_BAD_CHECKSUM;
            case TCP -> tcp.isChecksumValid(ip) ? null : DecodeError.TCP_BAD_CHECKSUM;
            default -> null;
        };
    }

    /**
     * What the frame carries, as far as decoding went.
     *
     * @return the kind of the last frame decoded
     */
    public InboundFrame.Kind kind() {
        return kind;
    }

    /**
     * The IP packet of the frame.
     *
     * @return {@link #ipv4()} or {@link #ipv6()}, whichever was found, or {@code null} if the frame holds no
     *         well-formed IP packet
     */
    public IpPacket ip() {
        return ip;
    }

    /**
     * Where the IP packet ends, padding after it excluded.
     *
     * @return the absolute index after its last byte; only meaningful if {@link #ip()} is not {@code null}
     */
    public int ipEnd() {
        return ip.offset() + ip.length();
    }

    /** {@return the Ethernet view; valid after a decode on an {@link LinkLayer#ETHERNET} link that got past it} */
    public EthernetFrame ethernet() {
        return ethernet;
    }

    /** {@return the ARP view; valid for {@link InboundFrame.Kind#ARP}} */
    public ArpPacket arp() {
        return arp;
    }

    /** {@return the IPv4 view; valid when {@link #ip()} is it} */
    public Ipv4Packet ipv4() {
        return ipv4;
    }

    /** {@return the IPv6 view; valid when {@link #ip()} is it} */
    public Ipv6Packet ipv6() {
        return ipv6;
    }

    /**
     * The walk of the IPv6 packet's extension headers: its verdict, and for a Parameter Problem the code and
     * pointer to answer with.
     *
     * @return the walker; valid when {@link #ip()} is {@link #ipv6()}
     */
    public Ipv6ExtensionHeaders ipv6ExtensionHeaders() {
        return ipv6ExtensionHeaders;
    }

    /** {@return the ICMPv6 view; valid for {@link InboundFrame.Kind#ICMPV6} and {@link InboundFrame.Kind#NDP}} */
    public Icmpv6Packet icmpv6() {
        return icmpv6;
    }

    /** {@return the Neighbor Discovery view; valid for {@link InboundFrame.Kind#NDP}} */
    public NeighborDiscoveryMessage neighborDiscovery() {
        return neighborDiscovery;
    }

    /** {@return the ICMPv4 view; valid for {@link InboundFrame.Kind#ICMPV4}} */
    public Icmpv4Packet icmpv4() {
        return icmpv4;
    }

    /** {@return the UDP view; valid for {@link InboundFrame.Kind#UDP}} */
    public UdpDatagram udp() {
        return udp;
    }

    /** {@return the TCP view; valid for {@link InboundFrame.Kind#TCP}} */
    public TcpSegment tcp() {
        return tcp;
    }
}
