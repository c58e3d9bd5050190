package io.netstack.protocol;

/** What precedes the IP header in a frame: an Ethernet header (TAP device), or nothing (TUN device). */
public enum LinkLayer {
    /** Ethernet II, possibly with 802.1Q tags, as a TAP device hands over. */
    ETHERNET,
    /** A bare IPv4 or IPv6 packet, as a TUN device without packet information hands over. */
    NONE
}
