/**
 * Zero-copy views, builders and value types for the protocols a minimal IP host speaks on an Ethernet link:
 * Ethernet II with 802.1Q/802.1ad tags, ARP, IPv4, ICMPv4 and UDP; IPv6 with its extension headers
 * ({@link io.netstack.wire.Ipv6ExtensionHeaders}), ICMPv6 and Neighbor Discovery
 * ({@link io.netstack.wire.NeighborDiscoveryMessage}); and for what offloads need: TCP, and the
 * {@code virtio_net_hdr} of a device opened with {@code IFF_VNET_HDR} ({@link io.netstack.wire.VirtioNetFrame}).
 *
 * <p>A view ({@link io.netstack.wire.EthernetFrame}, {@link io.netstack.wire.ArpPacket},
 * {@link io.netstack.wire.Ipv4Packet}, {@link io.netstack.wire.Ipv6Packet}, {@link io.netstack.wire.Icmpv4Packet},
 * {@link io.netstack.wire.Icmpv6Packet}, {@link io.netstack.wire.NeighborDiscoveryMessage},
 * {@link io.netstack.wire.UdpDatagram}, {@link io.netstack.wire.TcpSegment}) is a reusable flyweight in the manner
 * of smoltcp's {@code wire} module: any code constructs one with {@code new} and re-points it at packet after packet
 * with {@code wrap(buf, offset, length)}, which validates the packet's structure in place and reports malformed input
 * as a {@link io.netstack.wire.DecodeError} rather than an exception, so a stream of frames is decoded without
 * allocating. Checksums are verified in a step of their own, {@code isChecksumValid}, which a caller skips when the
 * kernel has verified them already. Accessors are named after the RFC fields and return addresses in primitive form
 * ({@code long} for {@link io.netstack.wire.MacAddress}, {@code int} for {@link io.netstack.wire.Ipv4Address}); an
 * IPv6 address has no primitive, so it is read, written and compared in place with the static methods of
 * {@link io.netstack.wire.Ipv6Address}.
 * The few {@code set} methods ({@link io.netstack.wire.Ipv4Packet#setTotalLength}, ...) rewrite a field in the
 * buffer in place, for the handlers that cut or merge segments.
 *
 * <p>Packets are built from records of the fields a sender chooses, in the manner of smoltcp's {@code Repr}s
 * ({@link io.netstack.wire.EthernetHeader}, {@link io.netstack.wire.ArpHeader}, {@link io.netstack.wire.Ipv4Header},
 * {@link io.netstack.wire.Icmpv4EchoHeader}, {@link io.netstack.wire.UdpHeader}, {@link io.netstack.wire.Ipv6Header}),
 * whose {@code write} methods append the header, checksum included, to a buffer; {@link io.netstack.wire.Frames}
 * composes them into ARP frames and IPv4 packets, {@link io.netstack.wire.Ipv6Packets} into IPv6 packets and
 * {@link io.netstack.wire.Icmpv4Errors} into ICMP errors, in buffers from the channel's allocator, each IP packet
 * after {@link io.netstack.wire.Frames#LINK_HEADROOM} free bytes where
 * {@link io.netstack.wire.EthernetHeader#prependTo} puts a link-layer header in place.
 * {@link io.netstack.wire.LinkLayer} tells whether a link carries Ethernet frames or bare IP packets, and a channel
 * address that knows it implements {@link io.netstack.wire.LinkLayerAddress}. {@link io.netstack.wire.InternetChecksum}
 * is the RFC 1071 checksum they share.
 */
package io.netstack.wire;
