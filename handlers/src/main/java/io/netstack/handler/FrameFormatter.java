package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.PacketView;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;

import java.util.HexFormat;

/**
 * Renders an Ethernet frame as one line in the style of {@code tcpdump -e -n}, e.g. (each on one line)
 * <pre>
 * 02:00:5e:10:00:01 &gt; ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42:
 *     Request who-has 192.0.2.2 tell 192.0.2.1, length 28
 * 02:00:5e:10:00:01 &gt; 02:00:5e:10:00:02, ethertype IPv4 (0x0800), length 98:
 *     192.0.2.1 &gt; 192.0.2.2: ICMP echo request, id 7, seq 1, length 64
 * </pre>
 * A malformed layer, or one whose checksum does not verify, is shown as {@code [malformed: reason]} after the layers
 * that decoded. A TUN device's packets have no link layer, and are shown as {@code tcpdump} shows a raw IP link:
 * {@code IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 7, seq 1, length 64}.
 *
 * <p>Formatting builds strings, so it is meant for opt-in logging. Reuses one {@link InboundFrame} for decoding;
 * not thread-safe.
 */
public final class FrameFormatter {
    private final LinkLayer linkLayer;
    private final InboundFrame decoded;
    /** The checksum failure of the frame being formatted, or {@code null}. */
    private DecodeError checksumError;

    /** A formatter of Ethernet frames, with a decoder of its own. */
    public FrameFormatter() {
        this(LinkLayer.ETHERNET);
    }

    /**
     * A formatter with a decoder of its own.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on a
     *                  TUN device
     */
    public FrameFormatter(LinkLayer linkLayer) {
        this.linkLayer = linkLayer;
        decoded = new InboundFrame(linkLayer);
    }

    /**
     * Formats the readable bytes of {@code frame}, leaving its indexes alone.
     *
     * @param frame a frame of the link layer this formatter was made for
     * @return one line, without a line break
     */
    public String format(ByteBuf frame) {
        StringBuilder line = new StringBuilder(160);
        checksumError = decoded.decode(frame) == null ? decoded.verifyChecksums() : null;
        if (linkLayer == LinkLayer.IP) {
            return formatIp(line, frame);
        }
        EthernetFrame ethernet = decoded.ethernet();
        if (malformed(line, ethernet)) {
            return line.append(", length ").append(frame.readableBytes()).toString();
        }
        appendEthernet(line, ethernet, frame.readableBytes());
        switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_ARP -> appendArp(line, decoded.arp());
            case EthernetFrame.ETHERTYPE_IPV4 -> appendIpv4(line, decoded.ipv4());
            default -> line.setLength(line.length() - 2); // drop the ": " that announced a payload
        }
        return line.toString();
    }

    private String formatIp(StringBuilder line, ByteBuf packet) {
        int version = packet.isReadable() ? packet.getUnsignedByte(packet.readerIndex()) >>> 4 : 0;
        switch (version) {
            case Ipv4Packet.VERSION -> appendIpv4(line.append("IP "), decoded.ipv4());
            case Ipv6Packet.VERSION -> line.append("IP6, length ").append(packet.readableBytes());
            default -> line.append("IP version ").append(version).append(", length ").append(packet.readableBytes());
        }
        return line.toString();
    }

    private static void appendEthernet(StringBuilder line, EthernetFrame ethernet, int frameLength) {
        int tags = ethernet.vlanTagCount();
        line.append(MacAddress.format(ethernet.source())).append(" > ")
                .append(MacAddress.format(ethernet.destination())).append(", ethertype ");
        appendEtherType(line, tags == 0 ? ethernet.etherType() : ethernet.vlanTpid(0));
        line.append(", length ").append(frameLength).append(": ");
        for (int tag = 0; tag < tags; tag++) {
            line.append("vlan ").append(ethernet.vlanId(tag)).append(", p ").append(ethernet.vlanPcp(tag));
            if (ethernet.vlanDei(tag)) {
                line.append(", DEI");
            }
            line.append(", ethertype ");
            appendEtherType(line, tag + 1 < tags ? ethernet.vlanTpid(tag + 1) : ethernet.etherType());
            line.append(", ");
        }
    }

    private static void appendEtherType(StringBuilder line, int etherType) {
        String name = switch (etherType) {
            case EthernetFrame.ETHERTYPE_IPV4 -> "IPv4";
            case EthernetFrame.ETHERTYPE_ARP -> "ARP";
            case EthernetFrame.ETHERTYPE_VLAN -> "802.1Q";
            case EthernetFrame.ETHERTYPE_IPV6 -> "IPv6";
            case EthernetFrame.ETHERTYPE_QINQ -> "802.1Q-QinQ";
            default -> "Unknown";
        };
        line.append(name).append(" (0x").append(HexFormat.of().toHexDigits((short) etherType)).append(')');
    }

    private static void appendArp(StringBuilder line, ArpPacket arp) {
        if (malformed(line, arp)) {
            return;
        }
        switch (arp.oper()) {
            case ArpPacket.OPER_REQUEST -> line.append("Request who-has ").append(Ipv4Address.format(arp.tpa()))
                    .append(" tell ").append(Ipv4Address.format(arp.spa()));
            case ArpPacket.OPER_REPLY -> line.append("Reply ").append(Ipv4Address.format(arp.spa()))
                    .append(" is-at ").append(MacAddress.format(arp.sha()));
            default -> line.append("ARP op ").append(arp.oper());
        }
        line.append(", length ").append(arp.length());
    }

    private void appendIpv4(StringBuilder line, Ipv4Packet ipv4) {
        if (malformed(line, ipv4, DecodeError.IPV4_BAD_CHECKSUM)) {
            return;
        }
        // Like tcpdump, show UDP ports as a suffix of the addresses.
        UdpDatagram udp = decoded.kind() == InboundFrame.Kind.UDP && decoded.udp().error() == null
                && checksumError == null ? decoded.udp() : null;
        line.append(Ipv4Address.format(ipv4.source()));
        if (udp != null) {
            line.append('.').append(udp.sourcePort());
        }
        line.append(" > ").append(Ipv4Address.format(ipv4.destination()));
        if (udp != null) {
            line.append('.').append(udp.destinationPort());
        }
        line.append(": ");
        switch (decoded.kind()) {
            case UDP -> {
                if (!malformed(line, decoded.udp(), DecodeError.UDP_BAD_CHECKSUM)) {
                    line.append("UDP, length ").append(udp.payloadLength());
                }
            }
            case ICMPV4 -> appendIcmp(line, decoded.icmpv4());
            case IPV4_FRAGMENT -> line.append("ip-proto-").append(ipv4.protocol())
                    .append(" (frag ").append(ipv4.identification()).append(':').append(ipv4.payloadLength())
                    .append('@').append(ipv4.fragmentOffsetBytes()).append(ipv4.moreFragments() ? "+)" : ")");
            default -> line.append("ip-proto-").append(ipv4.protocol())
                    .append(", length ").append(ipv4.payloadLength());
        }
    }

    private void appendIcmp(StringBuilder line, Icmpv4Packet icmp) {
        if (malformed(line, icmp, DecodeError.ICMPV4_BAD_CHECKSUM)) {
            return;
        }
        if (icmp.isEchoRequest() || icmp.isEchoReply()) {
            line.append(icmp.isEchoRequest() ? "ICMP echo request" : "ICMP echo reply")
                    .append(", id ").append(icmp.identifier()).append(", seq ").append(icmp.sequenceNumber());
        } else {
            line.append("ICMP type ").append(icmp.type()).append(", code ").append(icmp.code());
        }
        line.append(", length ").append(icmp.length());
    }

    /** Appends the reason if {@code view}, which has no checksum, failed to decode, and tells whether it did. */
    private static boolean malformed(StringBuilder line, PacketView view) {
        return appendError(line, view.error());
    }

    /** The same for a view whose checksum failure is reported as {@code badChecksum}. */
    private boolean malformed(StringBuilder line, PacketView view, DecodeError badChecksum) {
        return appendError(line, view.error() != null ? view.error()
                : checksumError == badChecksum ? badChecksum : null);
    }

    private static boolean appendError(StringBuilder line, DecodeError error) {
        if (error == null) {
            return false;
        }
        line.append("[malformed: ").append(error.description()).append(']');
        return true;
    }
}
