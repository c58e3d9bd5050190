package io.netstack.handler;

/**
 * Why an ICMP or ICMPv6 error was not sent: a rule of RFC 1122 section 3.2.2, RFC 1812 section 4.3.2.7 or RFC 4443
 * section 2.4(e) forbade it ({@link IcmpErrorPolicy}), or a rate limit held it back ({@link IcmpRateLimiter}).
 * {@link IcmpErrorGate} counts each. Each constant carries a fixed description, so reporting builds no string.
 */
public enum IcmpErrorSuppression {
    /** The invoking packet is an ICMP error message or an ICMPv6 redirect, or too short to tell. */
    ABOUT_ICMP_ERROR("the invoking packet is an ICMP error or an ICMPv6 redirect, or too short to tell"),
    /** The invoking packet is a fragment other than the first, which does not show the upper-layer header. */
    NON_INITIAL_FRAGMENT("the invoking packet is a non-initial fragment"),
    /** The invoking packet came as a link-layer broadcast or multicast. */
    LINK_LAYER_GROUP_DESTINATION("the invoking packet came as a link-layer broadcast or multicast"),
    /** The invoking packet was sent to a broadcast or multicast IP address. */
    NON_UNICAST_DESTINATION("the invoking packet was sent to a broadcast or multicast address"),
    /** The invoking packet's source does not name a single host: unspecified, loopback, broadcast, multicast. */
    NON_UNICAST_SOURCE("the invoking packet's source does not name a single host"),
    /** The host-wide budget of error messages per second is spent ({@code icmp_msgs_per_sec}). */
    GLOBAL_RATE_LIMIT("the host-wide budget of errors per second is spent"),
    /** The budget of error messages to this destination is spent ({@code icmp_ratelimit}). */
    DESTINATION_RATE_LIMIT("the budget of errors to this destination is spent");

    private final String description;

    IcmpErrorSuppression(String description) {
        this.description = description;
    }

    /** {@return a short human-readable explanation, fixed per constant} */
    public String description() {
        return description;
    }
}
