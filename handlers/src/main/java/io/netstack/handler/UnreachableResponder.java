package io.netstack.handler;

import io.netstack.wire.Icmpv4Errors;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netty.channel.ChannelHandlerContext;

import static java.util.Objects.requireNonNull;

/**
 * The IP layer's answer to the packets for the host that nothing above it takes, as a destination host gives it:
 * <ul>
 * <li>UDP to a port without a service (which {@link UdpServices} passes on, or over IPv6 not taken by any handler):
 * a Destination Unreachable, port unreachable (RFC 1122 section 4.1.3.1, RFC 4443 section 3.1);</li>
 * <li>IPv4 of a protocol the host does not implement: a Destination Unreachable, protocol unreachable (RFC 1122
 * section 3.2.2.1);</li>
 * <li>IPv6 whose header chain ends in a protocol the host does not know: a Parameter Problem, code 1, pointing at
 * the Next Header field naming it; one whose extension headers ask for a Parameter Problem (an unrecognized option
 * of type {@code 10xxxxxx}, an unsupported routing header), that one (RFC 8200 section 4).</li>
 * </ul>
 * Every error first passes the host's {@link IcmpErrorGate}, which forbids errors about ICMP errors, broadcasts,
 * multicasts and non-initial fragments, and limits their rate as Linux does. Whether an error was sent or not, the
 * packet was not delivered, so it is counted in {@link DropCounters} under its {@link InboundFrame.Kind}.
 *
 * <p>TCP is left to the {@link UnhandledFrameCounter}: a host answers a segment to a closed port with a reset, not
 * with ICMP (RFC 9293 section 3.10.7.1), and this host has no TCP yet. So are ICMP and ICMPv6 messages no handler
 * took, IPv4 fragments, which the host does not reassemble, and packets for other hosts.
 *
 * <p>Sits in the IP layer after every handler that takes IP packets, before the {@link UnhandledFrameCounter}; it
 * writes IP packets, which the link layer frames. Deciding allocates nothing; only an error that is sent allocates
 * its packet.
 */
public final class UnreachableResponder extends FrameResponder {
    private final LinkLayer linkLayer;
    private final IcmpErrorGate gate;
    private final DropCounters drops;

    /**
     * A responder for a host.
     *
     * @param host      the addresses the host answers for and from
     * @param linkLayer the channel's link layer, which tells whether a frame came to a link-layer group address
     * @param gate      the host's gate for ICMP errors
     * @param drops     where the packets answered or refused an error are counted
     */
    public UnreachableResponder(HostAddresses host, LinkLayer linkLayer, IcmpErrorGate gate, DropCounters drops) {
        super(host);
        this.linkLayer = requireNonNull(linkLayer, "linkLayer");
        this.gate = requireNonNull(gate, "gate");
        this.drops = requireNonNull(drops, "drops");
    }

    /**
     * Takes UDP, IPv4 of other protocols and IPv6 whose headers call for a Parameter Problem, sent to the host: to
     * one of its addresses, to a broadcast or multicast address, or to a link-layer group address, so that the gate
     * counts the errors it refuses about the latter. An IPv6 packet the decoder left as
     * {@link InboundFrame.Kind#IPV6_OTHER} is one of those: its extension header walk asked for a Parameter Problem
     * or ended in a protocol other than ICMPv6, UDP and TCP, which the host does not know.
     */
    @Override
    protected boolean accepts(InboundFrame inbound) {
        return switch (inbound.kind()) {
            case UDP, IPV4_OTHER, IPV6_OTHER -> isForHost(inbound);
            default -> false;
        };
    }

    private boolean isForHost(InboundFrame inbound) {
        if (inbound.isIpv4()) {
            int destination = inbound.ipv4().destination();
            return host().isOurs(destination) || Ipv4Address.isMulticast(destination)
                    || destination == Ipv4Address.BROADCAST.value() || isLinkLayerGroupDestination(inbound);
        }
        // Without an address of its own the host has none to send an ICMPv6 error from.
        Ipv6Packet ipv6 = inbound.headers().ipv6();
        return !host().ipv6Addresses().isEmpty() && (ipv6.isDestinationMulticast()
                || host().isOurs(ipv6.buffer(), ipv6.destinationOffset()) || isLinkLayerGroupDestination(inbound));
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        switch (inbound.kind()) {
            case UDP -> unreachable(ctx, inbound, true);
            case IPV4_OTHER -> unreachable(ctx, inbound, false);
            default -> parameterProblem(ctx, inbound);
        }
        drops.increment(inbound.kind());
    }

    /** Sends a port or protocol unreachable about the packet, if the gate allows it. */
    private void unreachable(ChannelHandlerContext ctx, InboundFrame inbound, boolean port) {
        boolean linkLayerGroup = isLinkLayerGroupDestination(inbound);
        if (inbound.isIpv4()) {
            Ipv4Packet ip = inbound.ipv4();
            int code = port ? Icmpv4Packet.CODE_PORT_UNREACHABLE : Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE;
            if (gate.allowIpv4(ip, linkLayerGroup, Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, code)) {
                send(ctx, port ? Icmpv4Errors.portUnreachable(ctx.alloc(), ip)
                        : Icmpv4Errors.protocolUnreachable(ctx.alloc(), ip));
            }
            return;
        }
        // An IPv6 packet of an unknown protocol is answered by parameterProblem, so this is UDP.
        Ipv6Packet ip = inbound.headers().ipv6();
        if (gate.allowIpv6(ip, linkLayerGroup, IcmpErrorPolicy.NOT_ICMPV6, Icmpv6Packet.TYPE_DESTINATION_UNREACHABLE,
                Icmpv6Packet.CODE_PORT_UNREACHABLE, 0)) {
            send(ctx, Ipv6Packets.destinationUnreachable(ctx.alloc(), errorSource(ip),
                    Icmpv6Packet.CODE_PORT_UNREACHABLE, ip));
        }
    }

    /** Sends the Parameter Problem the decoder's extension header walk found due, if the gate allows it. */
    private void parameterProblem(ChannelHandlerContext ctx, InboundFrame inbound) {
        Ipv6Packet ip = inbound.headers().ipv6();
        Ipv6ExtensionHeaders extensionHeaders = inbound.headers().ipv6ExtensionHeaders();
        boolean unknownProtocol = extensionHeaders.verdict() == Ipv6ExtensionHeaders.Verdict.UPPER_LAYER;
        int code = unknownProtocol ? Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER
                : extensionHeaders.parameterProblemCode();
        int pointer = unknownProtocol ? extensionHeaders.nextHeaderPointer()
                : extensionHeaders.parameterProblemPointer();
        if (gate.allowIpv6(ip, isLinkLayerGroupDestination(inbound), IcmpErrorPolicy.NOT_ICMPV6,
                Icmpv6Packet.TYPE_PARAMETER_PROBLEM, code, pointer)) {
            send(ctx, Ipv6Packets.parameterProblem(ctx.alloc(), errorSource(ip), code, pointer, ip));
        }
    }

    /**
     * The address an ICMPv6 error comes from: the one the packet was sent to, or for a packet to a multicast
     * address, which only a Parameter Problem of code 2 answers, the host's first IPv6 address (RFC 4443 section
     * 2.2).
     */
    private Ipv6Address errorSource(Ipv6Packet ip) {
        Ipv6Address destination = host().ipv6Address(ip.buffer(), ip.destinationOffset());
        return destination != null ? destination : host().ipv6Addresses().getFirst();
    }

    private boolean isLinkLayerGroupDestination(InboundFrame inbound) {
        return linkLayer == LinkLayer.ETHERNET && MacAddress.isMulticast(inbound.ethernet().destination());
    }

    /** {@return the gate every error passes} */
    public IcmpErrorGate gate() {
        return gate;
    }
}
