package io.netstack.handler;

/**
 * Why a host dropped a packet on its way out, as counted in {@link DropCounters}: the link layer could not frame
 * what an IP-layer handler wrote, or a message written to a channel of the host never became a packet.
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
    /**
     * The link layer cannot address the packet: neither a well-formed IPv4 nor IPv6 packet, or one whose next hop
     * must be resolved from a host without an address of its version to ask from.
     */
    NO_LINK_ADDRESS,
    /**
     * A message written to one of the host's channels, such as a UDP service's, that could not be made into a packet:
     * its write failed with the reason, and nothing reached the link layer.
     */
    UNSENDABLE
}
