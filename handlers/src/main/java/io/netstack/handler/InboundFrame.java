package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * An inbound Ethernet frame together with the views that decoded it, as the {@link EthernetDemultiplexer} passes it
 * down the pipeline.
 *
 * <p>One instance is reused for every frame of a channel, re-pointing its views, so that decoding allocates
 * nothing. Handlers therefore read it only during {@code channelRead} and must not keep a reference to it; one that
 * wants to keep the frame retains {@link #frame()} instead.
 *
 * <p>It is {@link ReferenceCounted} on behalf of its frame, so the usual {@code release()} by the consuming
 * handler, or by the pipeline's tail, releases the frame exactly once.
 *
 * <p>Which views are valid depends on {@link #kind()}: {@link #ethernet()} always; {@link #arp()} for
 * {@link Kind#ARP}; {@link #ipv4()} for every IPv4 kind; {@link #icmpv4()} and {@link #udp()} for theirs.
 */
public final class InboundFrame implements ReferenceCounted {
    /** What a frame carries, as far as decoding went. */
    public enum Kind {
        ARP,
        ICMPV4,
        UDP,
        /** A fragment of an IPv4 datagram: not reassembled, so its upper layer is not decoded. */
        IPV4_FRAGMENT,
        /** IPv4 carrying a protocol other than ICMP and UDP. */
        IPV4_OTHER,
        /** An EtherType other than ARP and IPv4. */
        OTHER_ETHERTYPE
    }

    private final EthernetFrame ethernet = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final Icmpv4Packet icmpv4 = new Icmpv4Packet();
    private final UdpDatagram udp = new UdpDatagram();
    private ByteBuf frame;
    private Kind kind;

    /**
     * Decodes the readable bytes of {@code frame} as deep as this class knows the protocols, verifying every
     * checksum on the way. The frame's indexes and reference count are left alone.
     *
     * @return {@code null} if every layer is well-formed, else the first layer's error; {@link #kind()} then tells
     *         which protocol the broken layer was expected to be
     */
    public DecodeError decode(ByteBuf frame) {
        this.frame = frame;
        kind = Kind.OTHER_ETHERTYPE;
        if (!ethernet.wrap(frame)) {
            return ethernet.error();
        }
        return switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_ARP -> {
                kind = Kind.ARP;
                arp.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength());
                yield arp.error();
            }
            case EthernetFrame.ETHERTYPE_IPV4 -> decodeIpv4();
            default -> null;
        };
    }

    private DecodeError decodeIpv4() {
        kind = Kind.IPV4_OTHER;
        if (!ipv4.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength())) {
            return ipv4.error();
        }
        if (ipv4.isFragment()) {
            kind = Kind.IPV4_FRAGMENT;
            return null;
        }
        return switch (ipv4.protocol()) {
            case Ipv4Packet.PROTOCOL_ICMP -> {
                kind = Kind.ICMPV4;
                icmpv4.wrap(frame, ipv4.payloadOffset(), ipv4.payloadLength());
                yield icmpv4.error();
            }
            case Ipv4Packet.PROTOCOL_UDP -> {
                kind = Kind.UDP;
                udp.wrap(ipv4);
                yield udp.error();
            }
            default -> null;
        };
    }

    /** The frame itself, with its reader index at the Ethernet header. */
    public ByteBuf frame() {
        return frame;
    }

    public Kind kind() {
        return kind;
    }

    public EthernetFrame ethernet() {
        return ethernet;
    }

    public ArpPacket arp() {
        return arp;
    }

    public Ipv4Packet ipv4() {
        return ipv4;
    }

    public Icmpv4Packet icmpv4() {
        return icmpv4;
    }

    public UdpDatagram udp() {
        return udp;
    }

    /**
     * The Ethernet frame a pipeline message carries, for the handlers that observe frames on either side of the
     * demultiplexer: the message itself if it is a {@link ByteBuf}, the frame of an {@code InboundFrame}, else
     * {@code null}.
     */
    static ByteBuf frameOf(Object msg) {
        if (msg instanceof ByteBuf frame) {
            return frame;
        }
        return msg instanceof InboundFrame inbound ? inbound.frame : null;
    }

    @Override
    public int refCnt() {
        return frame.refCnt();
    }

    @Override
    public InboundFrame retain() {
        frame.retain();
        return this;
    }

    @Override
    public InboundFrame retain(int increment) {
        frame.retain(increment);
        return this;
    }

    @Override
    public InboundFrame touch() {
        frame.touch();
        return this;
    }

    @Override
    public InboundFrame touch(Object hint) {
        frame.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return frame.release();
    }

    @Override
    public boolean release(int decrement) {
        return frame.release(decrement);
    }

    @Override
    public String toString() {
        return "InboundFrame(" + kind + ", " + frame + ')';
    }
}
