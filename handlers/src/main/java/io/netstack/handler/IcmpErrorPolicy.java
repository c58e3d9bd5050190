package io.netstack.handler;

import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;

import java.util.function.IntPredicate;

import static java.util.Objects.requireNonNull;

/**
 * Whether an ICMP error may be sent about a packet at all, by the rules every host follows, before any rate limit.
 *
 * <p>For IPv4, RFC 1122 section 3.2.2 (and RFC 1812 section 4.3.2.7 in the same words) forbids an error about:
 * an ICMP error message; a datagram sent to an IP broadcast or multicast address, or as a link-layer broadcast or
 * multicast; a fragment other than the first; a datagram whose source does not name a single host (0.0.0.0/8,
 * loopback, broadcast, multicast, class E). ICMP types that are not known queries or replies count as errors, as in
 * Linux ({@link Icmpv4Packet#isErrorType}).
 *
 * <p>For IPv6, RFC 4443 section 2.4(e) forbids an error about: an ICMPv6 error message or redirect; a packet sent to
 * a multicast address or as a link-layer multicast or broadcast, except a Packet Too Big, and a Parameter Problem
 * code 2 about an unrecognized option whose type's two high bits are 10 (RFC 8200 section 4.2); a packet whose
 * source does not name a single node (unspecified, multicast; loopback and IPv4-mapped addresses never come from a
 * link either). What the fixed header shows is read here; what only the extension-header chain shows, the type of
 * an ICMPv6 message inside, the caller passes.
 *
 * <p>Each check returns the rule that forbids the error, or {@code null} if none does. Checks read the views in
 * place and allocate nothing.
 */
public final class IcmpErrorPolicy {
    /** The invoking IPv6 packet carries no ICMPv6 message, or is a non-initial fragment that does not show one. */
    public static final int NOT_ICMPV6 = -1;
    /** The invoking IPv6 packet carries ICMPv6 but ends before its type: treated as an error, as Linux does. */
    public static final int TRUNCATED_ICMPV6 = -2;

    /** 0.0.0.0/8, "this network" (RFC 1122 section 3.2.1.3): a source only while a host learns its address. */
    private static final int THIS_NETWORK = 0x0000_0000;
    private static final int LOOPBACK_NETWORK = 0x7f00_0000;
    private static final int CLASS_A_MASK = 0xff00_0000;
    /** 224.0.0.0/4 multicast and 240.0.0.0/4 class E, which holds the limited broadcast: 224.0.0.0/3. */
    private static final int MULTICAST_OR_CLASS_E = 0xe000_0000;
    private static final int MULTICAST_OR_CLASS_E_MASK = 0xe000_0000;

    /** RFC 8200 section 4.2: the two high bits of an option type say what to do with a node that lacks it. */
    private static final int OPTION_ACTION_MASK = 0xc0;
    /** "Discard the packet and, regardless of the destination, send a Parameter Problem, code 2." */
    private static final int OPTION_ACTION_DISCARD_AND_REPORT = 0x80;
    private static final int IPV6_MULTICAST_PREFIX = 0xff;
    /** ::ffff:0:0/96, the high 32 bits of an IPv4-mapped address's low half (RFC 4291 section 2.5.5.2). */
    private static final long IPV4_MAPPED_MARKER = 0xffffL;
    private static final long IPV6_LOOPBACK_LOW = 1;

    private final IntPredicate directedBroadcast;

    /** A policy for a host that knows no directed broadcast address, only the limited broadcast. */
    public IcmpErrorPolicy() {
        this(address -> false);
    }

    /**
     * A policy for a host with subnets.
     *
     * @param directedBroadcast tells the broadcast addresses of the host's subnets (e.g. 192.0.2.255 on
     *                          192.0.2.0/24), as {@code int}s, see {@link Ipv4Address}
     */
    public IcmpErrorPolicy(IntPredicate directedBroadcast) {
        this.directedBroadcast = requireNonNull(directedBroadcast, "directedBroadcast");
    }

    /**
     * Checks the rules of RFC 1122 section 3.2.2 for an error about an IPv4 packet.
     *
     * @param invoking                  the well-formed packet the error would be about
     * @param linkLayerGroupDestination whether it came to a link-layer broadcast or multicast address; always
     *                                  {@code false} on a link without addresses, such as TUN's
     * @return the rule that forbids an error, or {@code null} if one may be sent
     */
    public IcmpErrorSuppression checkIpv4(Ipv4Packet invoking, boolean linkLayerGroupDestination) {
        if (linkLayerGroupDestination) {
            return IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION;
        }
        int destination = invoking.destination();
        if (isMulticastOrClassE(destination) || directedBroadcast.test(destination)) {
            return IcmpErrorSuppression.NON_UNICAST_DESTINATION;
        }
        if (!isSingleHost(invoking.source())) {
            return IcmpErrorSuppression.NON_UNICAST_SOURCE;
        }
        if (invoking.fragmentOffset() != 0) {
            return IcmpErrorSuppression.NON_INITIAL_FRAGMENT;
        }
        if (invoking.protocol() == Ipv4Packet.PROTOCOL_ICMP && isIcmpError(invoking)) {
            return IcmpErrorSuppression.ABOUT_ICMP_ERROR;
        }
        return null;
    }

    /**
     * Checks the rules of RFC 4443 section 2.4(e) for an ICMPv6 error of {@code type} and {@code code} about an
     * IPv6 packet.
     *
     * @param invoking                  the well-formed packet the error would be about
     * @param linkLayerGroupDestination whether it came to a link-layer broadcast or multicast address
     * @param invokingIcmpv6Type        the type of the ICMPv6 message the packet carries after its extension
     *                                  headers, {@link #NOT_ICMPV6} or {@link #TRUNCATED_ICMPV6}
     * @param type                      the type of the error to send
     * @param code                      its code
     * @param pointer                   for a Parameter Problem, the offset in the invoking packet of the octet in
     *                                  error (the option's type for code 2); ignored otherwise
     * @return the rule that forbids the error, or {@code null} if it may be sent
     */
    public IcmpErrorSuppression checkIpv6(Ipv6Packet invoking, boolean linkLayerGroupDestination,
                                          int invokingIcmpv6Type, int type, int code, int pointer) {
        boolean mayAnswerGroup = type == Icmpv6Packet.TYPE_PACKET_TOO_BIG
                || (type == Icmpv6Packet.TYPE_PARAMETER_PROBLEM && code == Icmpv6Packet.CODE_UNRECOGNIZED_OPTION
                    && optionDemandsReport(invoking, pointer));
        if (linkLayerGroupDestination && !mayAnswerGroup) {
            return IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION;
        }
        ByteBuf buf = invoking.buffer();
        if (isIpv6Multicast(buf, invoking.destinationOffset()) && !mayAnswerGroup) {
            return IcmpErrorSuppression.NON_UNICAST_DESTINATION;
        }
        if (!isSingleNode(buf, invoking.sourceOffset())) {
            return IcmpErrorSuppression.NON_UNICAST_SOURCE;
        }
        if (invokingIcmpv6Type == TRUNCATED_ICMPV6
                || (invokingIcmpv6Type >= 0 && Icmpv6Packet.isErrorType(invokingIcmpv6Type))
                || invokingIcmpv6Type == Icmpv6Packet.TYPE_REDIRECT) {
            return IcmpErrorSuppression.ABOUT_ICMP_ERROR;
        }
        return null;
    }

    /** Whether an IPv4 address is multicast, class E or the limited broadcast, which is class E too. */
    private static boolean isMulticastOrClassE(int address) {
        return (address & MULTICAST_OR_CLASS_E_MASK) == MULTICAST_OR_CLASS_E;
    }

    private boolean isSingleHost(int source) {
        int network = source & CLASS_A_MASK;
        return network != THIS_NETWORK && network != LOOPBACK_NETWORK && !isMulticastOrClassE(source)
                && !directedBroadcast.test(source);
    }

    /** Whether the ICMP message in a first fragment or whole datagram is an error, or too short to show its type. */
    private static boolean isIcmpError(Ipv4Packet invoking) {
        return invoking.payloadLength() == 0
                || Icmpv4Packet.isErrorType(invoking.buffer().getUnsignedByte(invoking.payloadOffset()));
    }

    /** Whether the option at {@code pointer} asks for a report even to a multicast; one out of reach is assumed to. */
    private static boolean optionDemandsReport(Ipv6Packet invoking, int pointer) {
        if (pointer < 0 || pointer >= invoking.length()) {
            return true;
        }
        int optionType = invoking.buffer().getUnsignedByte(invoking.offset() + pointer);
        return (optionType & OPTION_ACTION_MASK) == OPTION_ACTION_DISCARD_AND_REPORT;
    }

    private static boolean isIpv6Multicast(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index) == IPV6_MULTICAST_PREFIX;
    }

    /** Not unspecified, loopback, IPv4-mapped or multicast. */
    private static boolean isSingleNode(ByteBuf buf, int index) {
        long high = buf.getLong(index);
        long low = buf.getLong(index + Long.BYTES);
        if (high == 0 && (low == 0 || low == IPV6_LOOPBACK_LOW || low >>> Integer.SIZE == IPV4_MAPPED_MARKER)) {
            return false;
        }
        return !isIpv6Multicast(buf, index);
    }
}
