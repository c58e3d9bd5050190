package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netty.channel.ChannelHandlerContext;

import static java.util.Objects.requireNonNull;

/**
 * Speaks ARP (RFC 826) for a {@link HostAddresses}: answers requests for its IPv4 addresses with its MAC address,
 * learns its neighbours' addresses into a {@link NeighbourCache}, where an {@link EthernetFramer} looks up the next
 * hops of the host's packets, and announces its addresses with gratuitous ARPs when the channel becomes active, so
 * that the kernel's neighbour table knows the host before the first ping. It writes whole Ethernet frames, so it
 * sits on the device's side of the framer.
 *
 * <p>It consumes every well-formed ARP request and reply. Other operations (RARP's, InARP's) pass on, so that an
 * {@link UnhandledFrameCounter} counts them rather than their vanishing uncounted. Counters are written by the event
 * loop only and are volatile so that other threads read current values.
 */
public final class ArpResponder extends AnnouncingResponder {
    /** Enough for the neighbours of a test or demo network; the oldest entry gives way beyond that. */
    public static final int DEFAULT_CACHE_CAPACITY = 64;
    /** The sender protocol address of an ARP Probe (RFC 5227 section 2.1.1), which must not be learnt. */
    private static final int UNSPECIFIED_ADDRESS = 0;

    private final NeighbourCache neighbours;

    private volatile long requestsAnswered;
    private volatile long requestsForOthers;
    private volatile long repliesReceived;
    private volatile long announcementsSent;

    /**
     * A responder with a table of {@value #DEFAULT_CACHE_CAPACITY} neighbours.
     *
     * @param host the addresses it answers for and announces
     */
    public ArpResponder(HostAddresses host) {
        this(host, new NeighbourCache(DEFAULT_CACHE_CAPACITY));
    }

    /**
     * A responder that learns into a table of the caller's, for a host that sends to its neighbours itself.
     *
     * @param host       the addresses it answers for and announces
     * @param neighbours where the neighbours' addresses are learnt; used on the channel's event loop
     */
    public ArpResponder(HostAddresses host, NeighbourCache neighbours) {
        super(host);
        this.neighbours = requireNonNull(neighbours, "neighbours");
    }

    /** Sends one gratuitous ARP per address. */
    @Override
    void announce(ChannelHandlerContext ctx) {
        for (Ipv4Address address : host().ipv4Addresses()) {
            ctx.write(Frames.gratuitousArp(ctx.alloc(), host().mac(), address.value()), ctx.voidPromise());
            announcementsSent++;
        }
    }

    @Override
    protected boolean accepts(InboundFrame inbound) {
        return inbound.kind() == InboundFrame.Kind.ARP && (inbound.arp().isRequest() || inbound.arp().isReply());
    }

    @Override
    protected void respond(ChannelHandlerContext ctx, InboundFrame inbound) {
        ArpPacket arp = inbound.arp();
        int spa = arp.spa();
        long sha = arp.sha();
        boolean targetIsUs = host().isOurs(arp.tpa());
        // RFC 826, "Packet Reception": refresh a known sender; add it only when the packet is meant for us.
        if (spa != UNSPECIFIED_ADDRESS && !neighbours.update(spa, sha) && targetIsUs) {
            neighbours.put(spa, sha);
        }
        if (arp.isReply()) {
            repliesReceived++;
        } else if (arp.isRequest()) {
            if (targetIsUs) {
                send(ctx, Frames.arpReply(ctx.alloc(), host().mac(), arp.tpa(), sha, spa));
                requestsAnswered++;
            } else {
                requestsForOthers++;
            }
        }
    }

    /** {@return the addresses learnt so far; read it on the channel's event loop} */
    public NeighbourCache neighbours() {
        return neighbours;
    }

    /** {@return how many requests for one of the host's addresses were answered, one reply each} */
    public long requestsAnswered() {
        return requestsAnswered;
    }

    /** {@return how many requests were for addresses not the host's, other hosts' gratuitous ARPs included} */
    public long requestsForOthers() {
        return requestsForOthers;
    }

    /** {@return how many ARP replies arrived, whoever they were for; each refreshes a known sender} */
    public long repliesReceived() {
        return repliesReceived;
    }

    /** {@return how many gratuitous ARPs were sent: one per address when the channel became active} */
    public long announcementsSent() {
        return announcementsSent;
    }
}
