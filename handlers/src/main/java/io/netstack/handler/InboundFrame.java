package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netstack.wire.UdpDatagram;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * An inbound frame (an Ethernet frame, or a bare IP packet on a TUN device) together with the views that decoded
 * it, as the {@link PacketDemultiplexer} passes it down the pipeline.
 *
 * <p>One instance is reused for every frame of a channel, re-pointing the views of its {@link PacketDecoder}, so
 * that decoding allocates nothing. Handlers therefore read it only during {@code channelRead} and must not keep a
 * reference to it; one that wants to keep the frame retains {@link #frame()} instead.
 *
 * <p>It is {@link ReferenceCounted} on behalf of its frame, so the usual {@code release()} by the consuming
 * handler, or by the pipeline's tail, releases the frame exactly once.
 *
 * <p>Which views are valid depends on {@link #kind()}: {@link #ethernet()} always; {@link #arp()} for
 * {@link Kind#ARP}; {@link #ipv4()} for every IPv4 kind and for ICMPv4, UDP and TCP over IPv4; {@link #ipv6()}
 * for ICMPv6, Neighbor Discovery and the IPv6 kinds; {@link #icmpv4()}, {@link #icmpv6()},
 * {@link #neighborDiscovery()}, {@link #udp()} and the decoder's TCP view for theirs. UDP and TCP come over either
 * IP version: {@link #isIpv4()} tells.
 */
public final class InboundFrame implements ReferenceCounted {
    /** What a frame carries, as far as decoding went. */
    public enum Kind {
        /** An ARP packet. */
        ARP,
        /** An ICMP message over IPv4 that is not a fragment. */
        ICMPV4,
        /** An ICMPv6 message other than a Neighbor Solicitation or Advertisement. */
        ICMPV6,
        /** A Neighbor Solicitation or Advertisement (RFC 4861), valid as section 7.1 asks. */
        NDP,
        /** UDP over IPv4 or IPv6. */
        UDP,
        /** TCP over IPv4 or IPv6. */
        TCP,
        /** A fragment of an IPv4 datagram: not reassembled, so its upper layer is not decoded. */
        IPV4_FRAGMENT,
        /** IPv4 carrying a protocol other than ICMP, UDP and TCP. */
        IPV4_OTHER,
        /**
         * IPv6 whose upper layer is none of ICMPv6, UDP and TCP, or whose extension headers call for a Parameter
         * Problem: {@link PacketDecoder#ipv6ExtensionHeaders()} tells.
         */
        IPV6_OTHER,
        /** An EtherType other than ARP, IPv4 and IPv6 (on a TUN device: an IP version other than 4 and 6). */
        OTHER_ETHERTYPE
    }

    private final PacketDecoder headers;
    private ByteBuf frame;

    /** An Ethernet frame to {@link #decode} into, once per channel: it is re-pointed at every frame. */
    public InboundFrame() {
        this(LinkLayer.ETHERNET);
    }

    /**
     * A frame to {@link #decode} into, once per channel: it is re-pointed at every frame.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on a
     *                  TUN device
     */
    public InboundFrame(LinkLayer linkLayer) {
        headers = new PacketDecoder(linkLayer);
    }

    /**
     * Decodes the structure of the readable bytes of {@code frame}; see {@link PacketDecoder#decode}. Checksums are
     * a separate step, {@link #verifyChecksums()}. The frame's indexes and reference count are left alone.
     *
     * @param frame a frame of the link layer this was made for
     * @return {@code null} if every layer is well-formed, else the first layer's error; {@link #kind()} then tells
     *         which protocol the broken layer was expected to be
     */
    public DecodeError decode(ByteBuf frame) {
        this.frame = frame;
        return headers.decode(frame);
    }

    /**
     * Verifies the checksums of the layers decoded; see {@link PacketDecoder#verifyChecksums()}.
     *
     * @return {@code null} if they verify, else the first failure
     */
    public DecodeError verifyChecksums() {
        return headers.verifyChecksums();
    }

    /** {@return the frame itself, with its reader index at the Ethernet header, or the IP header on a TUN device} */
    public ByteBuf frame() {
        return frame;
    }

    /**
     * What the frame carries.
     *
     * @return the kind, as far as decoding went
     */
    public Kind kind() {
        return headers.kind();
    }

    /**
     * The decoder, with every view of the frame.
     *
     * @return the decoder this frame was decoded with
     */
    public PacketDecoder headers() {
        return headers;
    }

    /**
     * Whether the frame carries IPv4, in which case {@link #ipv4()} is valid.
     *
     * @return {@code true} for an IPv4 packet, {@code false} for IPv6, ARP or another EtherType
     */
    public boolean isIpv4() {
        return headers.ip() == headers.ipv4();
    }

    /** {@return the Ethernet view; valid on an Ethernet link only} */
    public EthernetFrame ethernet() {
        return headers.ethernet();
    }

    /** {@return the ARP view, for {@link Kind#ARP}} */
    public ArpPacket arp() {
        return headers.arp();
    }

    /** {@return the IPv4 view, when {@link #isIpv4()}} */
    public Ipv4Packet ipv4() {
        return headers.ipv4();
    }

    /** {@return the IPv6 view, when the frame holds a well-formed IPv6 packet, i.e. not {@link #isIpv4()}} */
    public Ipv6Packet ipv6() {
        return headers.ipv6();
    }

    /** {@return the ICMPv6 view, for {@link Kind#ICMPV6} and {@link Kind#NDP}} */
    public Icmpv6Packet icmpv6() {
        return headers.icmpv6();
    }

    /** {@return the Neighbor Discovery view, for {@link Kind#NDP}} */
    public NeighborDiscoveryMessage neighborDiscovery() {
        return headers.neighborDiscovery();
    }

    /** {@return the ICMPv4 view, for {@link Kind#ICMPV4}} */
    public Icmpv4Packet icmpv4() {
        return headers.icmpv4();
    }

    /** {@return the UDP view, for {@link Kind#UDP}} */
    public UdpDatagram udp() {
        return headers.udp();
    }

    /**
     * The frame a pipeline message carries, for the handlers that observe frames on either side of the
     * demultiplexer: the message itself if it is a {@link ByteBuf}, the frame of an {@code InboundFrame} or the
     * content of a {@link VirtioNetFrame}, else {@code null}.
     */
    static ByteBuf frameOf(Object msg) {
        if (msg instanceof ByteBuf frame) {
            return frame;
        }
        if (msg instanceof VirtioNetFrame virtio) {
            return virtio.content();
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
        return "InboundFrame(" + kind() + ", " + frame + ')';
    }
}
