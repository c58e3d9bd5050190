package io.netstack.wire;

/**
 * Why a {@link PacketView} rejected the bytes it was pointed at.
 *
 * <p>The constants are grouped by protocol so that a drop counter keyed by this enum tells which layer of a frame
 * was broken. Each carries a fixed description, so reporting a failure builds no string.
 */
public enum DecodeError {
    /** Fewer bytes than the 14-byte header plus the VLAN tags it announces. */
    ETHERNET_TRUNCATED("Ethernet frame shorter than its header and 802.1Q tags"),
    /** A third VLAN tag: {@link EthernetFrame} accepts at most {@value EthernetFrame#MAX_VLAN_TAGS}. */
    ETHERNET_TOO_MANY_VLAN_TAGS("more than two stacked 802.1Q/802.1ad tags"),

    /** Fewer than the {@value ArpPacket#LENGTH} bytes of an Ethernet/IPv4 ARP packet. */
    ARP_TRUNCATED("ARP packet shorter than 28 bytes"),
    /** Hardware or protocol type and address lengths other than Ethernet's and IPv4's. */
    ARP_UNSUPPORTED_ADDRESS_FORMAT("ARP packet not for Ethernet hardware and IPv4 protocol addresses"),

    /** Fewer bytes than the 20-byte header, or than the total length field states. */
    IPV4_TRUNCATED("IPv4 packet shorter than its header or its total length"),
    /** A version field other than 4. */
    IPV4_BAD_VERSION("IP version is not 4"),
    /** An IHL below 5, too short for the fixed header. */
    IPV4_BAD_HEADER_LENGTH("IPv4 IHL below 5"),
    /** A total length field smaller than the header it counts. */
    IPV4_BAD_TOTAL_LENGTH("IPv4 total length smaller than the header"),
    /** What a caller reports when {@link Ipv4Packet#isChecksumValid()} fails: the header does not sum to all ones. */
    IPV4_BAD_CHECKSUM("IPv4 header checksum mismatch"),

    /** Fewer bytes than the 40-byte fixed header plus the payload length it states. */
    IPV6_TRUNCATED("IPv6 packet shorter than its header or its payload length"),
    /** A version field other than 6. */
    IPV6_BAD_VERSION("IP version is not 6"),
    /** A multicast source address, which RFC 4291 section 2.7 forbids and Linux drops on receipt. */
    IPV6_MULTICAST_SOURCE("IPv6 packet from a multicast source address"),
    /**
     * An IPv4-mapped source address ({@code ::ffff:0:0/96}), which belongs to a host's socket API, not the wire; Linux
     * drops such packets on receipt, since an answer would be addressed to IPv4.
     */
    IPV6_IPV4_MAPPED_SOURCE("IPv6 packet from an IPv4-mapped source address"),
    /**
     * The unspecified source address {@code ::} on a packet other than those a node sends before it has an address
     * (duplicate address detection's Neighbor Solicitation, a Multicast Listener Report): no answer can go to
     * {@code ::} (RFC 4291 section 2.5.2), an ICMPv6 error included (RFC 4443 section 2.4 (e)).
     */
    IPV6_UNSPECIFIED_SOURCE("IPv6 packet from the unspecified address that only an addressed node may send"),

    /** Fewer than the 8 bytes of an ICMP header. */
    ICMPV4_TRUNCATED("ICMP message shorter than its 8-byte header"),
    /** What a caller reports when {@link Icmpv4Packet#isChecksumValid()} fails: the message does not verify. */
    ICMPV4_BAD_CHECKSUM("ICMP checksum mismatch"),

    /** Fewer bytes than the 8-byte header, or than the length field states. */
    UDP_TRUNCATED("UDP datagram shorter than its header or its length field"),
    /** A length field below 8, smaller than the header it counts. */
    UDP_BAD_LENGTH("UDP length field below 8"),
    /**
     * A checksum that does not verify over the datagram and its pseudo-header, or 0 over IPv6; what a caller
     * reports when {@link UdpDatagram#isChecksumValid(IpPacket)} fails.
     */
    UDP_BAD_CHECKSUM("UDP checksum mismatch"),

    /** Fewer bytes than the 20-byte header, or than the header its data offset states. */
    TCP_TRUNCATED("TCP segment shorter than its header"),
    /** A data offset below 5, too short for the fixed header. */
    TCP_BAD_DATA_OFFSET("TCP data offset below 5"),
    /**
     * A checksum that does not verify over the segment and its pseudo-header; what a caller reports when
     * {@link TcpSegment#isChecksumValid(IpPacket)} fails.
     */
    TCP_BAD_CHECKSUM("TCP checksum mismatch"),

    /**
     * A {@code gso_type} the frame does not match, UDP fragmentation offload, or a super-frame where the reader takes
     * none.
     */
    VIRTIO_NET_UNSUPPORTED_GSO(
            "virtio_net_hdr gso_type that does not match the frame, UFO, or a super-frame where none is taken"),
    /** A {@code csum_start}, {@code csum_offset} or {@code gso_size} that points outside the frame. */
    VIRTIO_NET_BAD_OFFSETS("virtio_net_hdr csum_start, csum_offset or gso_size outside the frame"),

    /**
     * An extension header, or an option in one, whose length runs past the payload; discarded silently, as Linux
     * does.
     */
    IPV6_EXTENSION_HEADER_TRUNCATED("IPv6 extension header or option running past the payload"),
    /** A Hop-by-Hop Options header anywhere but right after the fixed header (RFC 8200 section 4.1). */
    IPV6_HOP_BY_HOP_NOT_FIRST("IPv6 Hop-by-Hop Options header not right after the fixed header"),
    /**
     * An option of a type this host does not know whose two high bits say to discard the packet (RFC 8200 section
     * 4.2).
     */
    IPV6_UNRECOGNIZED_OPTION("IPv6 option of an unrecognized type whose action is to discard"),
    /** A Routing header with segments left: a host forwards nothing, so the packet is not for it to process. */
    IPV6_ROUTING_SEGMENTS_LEFT("IPv6 Routing header with segments left, which a host does not forward"),
    /** A fragment of a larger packet (not an atomic fragment): this host does not reassemble. */
    IPV6_FRAGMENT("IPv6 fragment, which this host does not reassemble"),
    /** A packet whose header chain ends in No Next Header (59): nothing for an upper layer. */
    IPV6_NO_NEXT_HEADER("IPv6 packet whose headers end in No Next Header"),

    /** Fewer than the 8 bytes of an ICMPv6 header. */
    ICMPV6_TRUNCATED("ICMPv6 message shorter than its 8-byte header"),
    /**
     * What a caller reports when {@link Icmpv6Packet#isChecksumValid(Ipv6Packet)} fails: the message and its
     * pseudo-header do not verify.
     */
    ICMPV6_BAD_CHECKSUM("ICMPv6 checksum mismatch"),

    /** A Neighbor Solicitation or Advertisement shorter than its 24 bytes of header and target address. */
    NDP_TRUNCATED("Neighbor Discovery message shorter than 24 bytes"),
    /** An ICMPv6 type other than Neighbor Solicitation (135) and Advertisement (136). */
    NDP_NOT_NEIGHBOR_MESSAGE("ICMPv6 type is not Neighbor Solicitation or Advertisement"),
    /** An ICMPv6 code other than 0 (RFC 4861 sections 7.1.1 and 7.1.2). */
    NDP_BAD_CODE("Neighbor Discovery message with an ICMPv6 code other than 0"),
    /** A target address that is multicast (RFC 4861 sections 7.1.1 and 7.1.2). */
    NDP_MULTICAST_TARGET("Neighbor Discovery message whose target is a multicast address"),
    /** An option whose length is 0 or runs past the message (RFC 4861 section 4.6). */
    NDP_BAD_OPTION_LENGTH("Neighbor Discovery option of length 0 or running past the message"),
    /** A source or target link-layer address option that is not 8 bytes long, the length of one for Ethernet. */
    NDP_BAD_LINK_LAYER_ADDRESS_OPTION("Neighbor Discovery link-layer address option not 8 bytes long"),
    /** A hop limit other than 255: the message may have come through a router (RFC 4861 section 7.1). */
    NDP_BAD_HOP_LIMIT("Neighbor Discovery message with a hop limit other than 255"),
    /** A Neighbor Advertisement to a multicast address with its Solicited flag set (RFC 4861 section 7.1.2). */
    NDP_SOLICITED_TO_MULTICAST("Neighbor Advertisement with the S flag sent to a multicast address"),
    /**
     * A Neighbor Solicitation from the unspecified address that is not sent to a solicited-node address or carries
     * a source link-layer address option (RFC 4861 section 7.1.1).
     */
    NDP_BAD_DAD_SOLICITATION(
            "Neighbor Solicitation from :: not to a solicited-node address or with a source link-layer address");

    private final String description;

    DecodeError(String description) {
        this.description = description;
    }

    /** {@return a short human-readable explanation, the same string on every call} */
    public String description() {
        return description;
    }
}
