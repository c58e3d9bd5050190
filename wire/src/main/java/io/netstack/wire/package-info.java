/**
 * Zero-copy views, builders and value types for the protocols a minimal IPv4 host speaks on an Ethernet link:
 * Ethernet II with 802.1Q/802.1ad tags, ARP, IPv4, ICMPv4 and UDP; and for what offloads need: IPv6's fixed
 * header, TCP, and the {@code virtio_net_hdr} of a device opened with {@code IFF_VNET_HDR}
 * ({@link io.netstack.wire.VirtioNetFrame}).
 *
 * <p>A view ({@link io.netstack.wire.EthernetFrame}, {@link io.netstack.wire.ArpPacket},
 * {@link io.netstack.wire.Ipv4Packet}, {@link io.netstack.wire.Icmpv4Packet},
 * {@link io.netstack.wire.UdpDatagram}) is a reusable flyweight in the manner of smoltcp's {@code wire} module:
 * {@code wrap(buf, offset, length)} validates a packet in place and re-points the view at it, reporting malformed
 * input as a {@link io.netstack.wire.DecodeError} rather than an exception, so a stream of frames is decoded
 * without allocating. Accessors are named after the RFC fields and return addresses in primitive form
 * ({@code long} for {@link io.netstack.wire.MacAddress}, {@code int} for {@link io.netstack.wire.Ipv4Address}).
 * The few {@code set} methods ({@link io.netstack.wire.Ipv4Packet#setTotalLength}, ...) rewrite a field in the
 * buffer in place, for the handlers that cut or merge segments.
 *
 * <p>Each protocol class also has static {@code write} methods that append its header to a buffer, checksum
 * included; {@link io.netstack.wire.Frames} composes them into whole frames in buffers from the channel's
 * allocator. {@link io.netstack.wire.InternetChecksum} is the RFC 1071 checksum they share.
 */
package io.netstack.wire;
