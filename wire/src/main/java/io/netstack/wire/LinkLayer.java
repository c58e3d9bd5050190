package io.netstack.wire;

/**
 * What a device carries, and so what starts each frame: an Ethernet header (a TAP device, {@code IFF_TAP}) or
 * straight an IPv4 or IPv6 header (a TUN device, {@code IFF_TUN}, without packet information).
 */
public enum LinkLayer {
    /** Ethernet II frames, possibly with 802.1Q tags, as a TAP device reads and writes them. */
    ETHERNET,
    /** Bare IPv4 or IPv6 packets, as a TUN device reads and writes them. */
    IP
}
