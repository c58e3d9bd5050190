package io.netstack.handler;

/**
 * Why the link layer of a host dropped a packet that an IP-layer handler wrote, as counted in {@link DropCounters}.
 */
public enum OutboundDrop {
    /**
     * The next hop's link-layer address was never learnt: it did not answer {@link EthernetFramer#ARP_REQUESTS} ARP
     * requests (the kernel's neighbour state "failed"), or the channel closed while the host was asking.
     */
    NEIGHBOUR_UNRESOLVED,
    /**
     * The packet came while its next hop was being resolved and {@link EthernetFramer#MAX_QUEUED_PER_NEIGHBOUR}
     * packets already waited for it, or {@link EthernetFramer#MAX_RESOLUTIONS} other next hops were being resolved.
     */
    NEIGHBOUR_QUEUE_FULL,
    /** The link layer cannot address the packet: not a well-formed IPv4 packet (IPv6 neighbours are not resolved). */
    NO_LINK_ADDRESS
}
