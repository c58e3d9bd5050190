package io.netstack.wire;

/**
 * Why a {@link PacketView} rejected the bytes it was pointed at.
 *
 * <p>The constants are grouped by protocol so that a drop counter keyed by this enum tells which layer of a frame
 * was broken. Each carries a fixed description, so reporting a failure builds no string.
 */
public enum DecodeError {
    ETHERNET_TRUNCATED("Ethernet frame shorter than its header and 802.1Q tags"),
    ETHERNET_TOO_MANY_VLAN_TAGS("more than two stacked 802.1Q/802.1ad tags"),

    ARP_TRUNCATED("ARP packet shorter than 28 bytes"),
    ARP_UNSUPPORTED_ADDRESS_FORMAT("ARP packet not for Ethernet hardware and IPv4 protocol addresses"),

    IPV4_TRUNCATED("IPv4 packet shorter than its header or its total length"),
    IPV4_BAD_VERSION("IP version is not 4"),
    IPV4_BAD_HEADER_LENGTH("IPv4 IHL below 5"),
    IPV4_BAD_TOTAL_LENGTH("IPv4 total length smaller than the header"),
    IPV4_BAD_CHECKSUM("IPv4 header checksum mismatch"),

    IPV6_TRUNCATED("IPv6 packet shorter than its header or its payload length"),
    IPV6_BAD_VERSION("IP version is not 6"),

    ICMPV4_TRUNCATED("ICMP message shorter than its 8-byte header"),
    ICMPV4_BAD_CHECKSUM("ICMP checksum mismatch"),

    UDP_TRUNCATED("UDP datagram shorter than its header or its length field"),
    UDP_BAD_LENGTH("UDP length field below 8"),
    UDP_BAD_CHECKSUM("UDP checksum mismatch"),

    TCP_TRUNCATED("TCP segment shorter than its header"),
    TCP_BAD_DATA_OFFSET("TCP data offset below 5"),
    TCP_BAD_CHECKSUM("TCP checksum mismatch"),

    VIRTIO_NET_UNSUPPORTED_GSO(
            "virtio_net_hdr gso_type that does not match the frame, UFO, or a super-frame where none is taken"),
    VIRTIO_NET_BAD_OFFSETS("virtio_net_hdr csum_start, csum_offset or gso_size outside the frame"),

    IPV6_EXTENSION_HEADER_TRUNCATED("IPv6 extension header or option running past the payload"),
    IPV6_HOP_BY_HOP_NOT_FIRST("IPv6 Hop-by-Hop Options header not right after the fixed header"),
    IPV6_UNRECOGNIZED_OPTION("IPv6 option of an unrecognized type whose action is to discard"),
    IPV6_ROUTING_SEGMENTS_LEFT("IPv6 Routing header with segments left, which a host does not forward"),
    IPV6_FRAGMENT("IPv6 fragment, which this host does not reassemble"),
    IPV6_NO_NEXT_HEADER("IPv6 packet whose headers end in No Next Header"),

    ICMPV6_TRUNCATED("ICMPv6 message shorter than its 8-byte header"),
    ICMPV6_BAD_CHECKSUM("ICMPv6 checksum mismatch"),

    NDP_TRUNCATED("Neighbor Discovery message shorter than 24 bytes"),
    NDP_NOT_NEIGHBOR_MESSAGE("ICMPv6 type is not Neighbor Solicitation or Advertisement"),
    NDP_BAD_CODE("Neighbor Discovery message with an ICMPv6 code other than 0"),
    NDP_MULTICAST_TARGET("Neighbor Discovery message whose target is a multicast address"),
    NDP_BAD_OPTION_LENGTH("Neighbor Discovery option of length 0 or running past the message"),
    NDP_BAD_LINK_LAYER_ADDRESS_OPTION("Neighbor Discovery link-layer address option not 8 bytes long"),
    NDP_BAD_HOP_LIMIT("Neighbor Discovery message with a hop limit other than 255"),
    NDP_SOLICITED_TO_MULTICAST("Neighbor Advertisement with the S flag sent to a multicast address"),
    NDP_BAD_DAD_SOLICITATION(
            "Neighbor Solicitation from :: not to a solicited-node address or with a source link-layer address");

    private final String description;

    DecodeError(String description) {
        this.description = description;
    }

    /** A short human-readable explanation, fixed per constant. */
    public String description() {
        return description;
    }
}
