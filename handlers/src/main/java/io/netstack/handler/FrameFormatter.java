package io.netstack.handler;

import io.netstack.wire.ArpPacket;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.PacketView;
import io.netty.buffer.ByteBuf;

import static java.util.Objects.requireNonNull;

/**
 * Renders a frame as one line, as {@code tcpdump -n -e} prints an Ethernet frame and {@code tcpdump -n} a packet of
 * a raw IP (TUN) link, at tcpdump's default verbosity, e.g. (each on one line)
 * <pre>
 * 02:00:5e:10:00:01 &gt; ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42:
 *     Request who-has 192.0.2.2 tell 192.0.2.1, length 28
 * 02:00:5e:10:00:01 &gt; 33:33:ff:00:00:02, ethertype IPv6 (0x86dd), length 86:
 *     2001:db8::1 &gt; ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 32
 * IP 192.0.2.2 &gt; 192.0.2.1: ICMP 192.0.2.2 udp port 9 unreachable, length 39
 * IP6 2001:db8::1.40000 &gt; 2001:db8::2.7: UDP, length 5
 * </pre>
 * It knows ARP, IPv4 with ICMP, UDP and TCP, IPv6 with its extension headers (named as tcpdump names them,
 * fragments as {@code frag (offset|length)}), ICMPv6 echo, Neighbor Discovery and errors, and UDP and TCP over IPv6.
 * An ICMP error names the quoted packet's destination and, for a port unreachable, its port.
 *
 * <p>Where tcpdump would print a layer it cannot make sense of, this shows {@code [malformed: reason]} after the
 * layers that decoded, and also for a checksum that does not verify or a Neighbor Discovery message that RFC 4861
 * makes a host discard (tcpdump at this verbosity checks neither). A quoted packet cut too short for what tcpdump
 * reads from it is marked as tcpdump marks it, {@code [|icmp]} or {@code [|icmp6]}.
 *
 * <p>TCP is printed as {@code tcpdump -S} prints it, with absolute sequence numbers, flags and options; tcpdump's
 * name of the application behind a well-known port after the length ({@code : HTTP}) is left out.
 *
 * <p>Not worded as tcpdump words them: the details tcpdump
 * adds to ICMP types this host neither sends nor answers (timestamps, address masks, router advertisements,
 * redirects, multicast listener messages), shown by name or number only; ICMP codes that tcpdump follows with a hex
 * dump of the message, shown on the one line.
 *
 * <p>Formatting allocates nothing but the line: the views, the extension header walker and the builder are reused.
 * Not thread-safe: one per channel.
 */
public final class FrameFormatter {
    private final LinkLayer linkLayer;
    private final PacketDecoder decoder;
    private final FrameLine frameLine = new FrameLine();
    private final StringBuilder line = frameLine.text();
    private final UdpFormatter udpFormatter;
    private final TcpFormatter tcpFormatter;
    private final IcmpFormatter icmpFormatter;
    private final Ipv6Formatter ipv6Formatter;

    /** A formatter of Ethernet frames, as a TAP device carries them. */
    public FrameFormatter() {
        this(LinkLayer.ETHERNET);
    }

    /**
     * A formatter of the frames of a device.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on
     *                  a TUN device
     */
    public FrameFormatter(LinkLayer linkLayer) {
        this.linkLayer = requireNonNull(linkLayer, "linkLayer");
        decoder = new PacketDecoder(linkLayer);
        Ipv6ExtensionHeaders extensionHeaders = new Ipv6ExtensionHeaders();
        udpFormatter = new UdpFormatter(decoder, frameLine);
        tcpFormatter = new TcpFormatter(decoder, frameLine);
        icmpFormatter = new IcmpFormatter(frameLine, extensionHeaders);
        ipv6Formatter = new Ipv6Formatter(decoder, frameLine, extensionHeaders, udpFormatter, tcpFormatter,
                icmpFormatter);
    }

    /**
     * Formats the readable bytes of {@code frame}, leaving its indexes alone. Never throws on any content.
     *
     * @param frame a frame of the link layer this formatter was made for
     * @return one line, without a line break
     */
    public String format(ByteBuf frame) {
        DecodeError error = decoder.decode(frame);
        if (decoder.ip() == decoder.ipv6()) {
            // Walked even when the layer above is broken: the line names the extension headers before it.
            DecodeError upperLayer = ipv6Formatter.decodeAfterExtensionHeaders(decoder.ipv6());
            error = error != null ? error : upperLayer;
        }
        frameLine.reset(error == null ? decoder.verifyChecksums() : null);
        if (linkLayer == LinkLayer.IP) {
            appendBareIp(frame);
        } else {
            appendEthernetFrame(frame);
        }
        return line.toString();
    }

    private void appendEthernetFrame(ByteBuf frame) {
        EthernetFrame ethernet = decoder.ethernet();
        if (frameLine.malformed(ethernet)) {
            line.append(", length ").append(frame.readableBytes());
            return;
        }
        appendEthernet(ethernet, frame.readableBytes());
        switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_ARP -> appendArp(decoder.arp());
            case EthernetFrame.ETHERTYPE_IPV4 -> appendIpv4(decoder.ipv4(), "");
            case EthernetFrame.ETHERTYPE_IPV6 -> ipv6Formatter.append(decoder.ipv6(), "");
            default -> line.setLength(line.length() - 2); // drop the ": " that announced a payload
        }
    }

    /** A TUN packet: tcpdump names the IP version where the Ethernet header would have told it. */
    private void appendBareIp(ByteBuf packet) {
        if (!packet.isReadable()) {
            line.append("[|ip]");
            return;
        }
        int version = packet.getUnsignedByte(packet.readerIndex()) >>> 4;
        switch (version) {
            case Ipv4Packet.VERSION -> appendIpv4(decoder.ipv4(), "IP ");
            case Ipv6Packet.VERSION -> ipv6Formatter.append(decoder.ipv6(), "IP6 ");
            default -> line.append("unknown ip ").append(version);
        }
    }

    private void appendEthernet(EthernetFrame ethernet, int frameLength) {
        int tags = ethernet.vlanTagCount();
        MacAddress.appendTo(line, ethernet.source()).append(" > ");
        MacAddress.appendTo(line, ethernet.destination()).append(", ethertype ");
        appendEtherType(tags == 0 ? ethernet.etherType() : ethernet.vlanTpid(0));
        line.append(", length ").append(frameLength).append(": ");
        for (int tag = 0; tag < tags; tag++) {
            line.append("vlan ").append(ethernet.vlanId(tag)).append(", p ").append(ethernet.vlanPcp(tag));
            if (ethernet.vlanDei(tag)) {
                line.append(", DEI");
            }
            line.append(", ethertype ");
            appendEtherType(tag + 1 < tags ? ethernet.vlanTpid(tag + 1) : ethernet.etherType());
            line.append(", ");
        }
    }

    private void appendEtherType(int etherType) {
        String name = switch (etherType) {
            case EthernetFrame.ETHERTYPE_IPV4 -> "IPv4";
            case EthernetFrame.ETHERTYPE_ARP -> "ARP";
            case EthernetFrame.ETHERTYPE_VLAN -> "802.1Q";
            case EthernetFrame.ETHERTYPE_IPV6 -> "IPv6";
            case EthernetFrame.ETHERTYPE_QINQ -> "802.1Q-QinQ";
            default -> "Unknown";
        };
        line.append(name).append(" (0x");
        for (int shift = 12; shift >= 0; shift -= 4) {
            line.append(Character.forDigit(etherType >>> shift & 0xf, 16));
        }
        line.append(')');
    }

    private void appendArp(ArpPacket arp) {
        if (frameLine.malformed(arp)) {
            return;
        }
        switch (arp.oper()) {
            case ArpPacket.OPER_REQUEST -> Ipv4Address.appendTo(
                    Ipv4Address.appendTo(line.append("Request who-has "), arp.tpa()).append(" tell "), arp.spa());
            case ArpPacket.OPER_REPLY -> MacAddress.appendTo(
                    Ipv4Address.appendTo(line.append("Reply "), arp.spa()).append(" is-at "), arp.sha());
            default -> line.append("ARP op ").append(arp.oper());
        }
        line.append(", length ").append(arp.length());
    }

    /** The UDP datagram or TCP segment whose ports tcpdump shows with the addresses, or {@code null}. */
    private PacketView portsWithAddresses() {
        return decoder.kind() == InboundFrame.Kind.TCP ? tcpFormatter.portsWithAddresses()
                : udpFormatter.portsWithAddresses();
    }

    /**
     * Appends an IPv4 packet after {@code label}: what tcpdump prints before the addresses when no link-layer
     * header named the protocol.
     */
    private void appendIpv4(Ipv4Packet ipv4, String label) {
        line.append(label);
        if (frameLine.malformed(ipv4, DecodeError.IPV4_BAD_CHECKSUM)) {
            return;
        }
        // Like tcpdump, show UDP and TCP ports as a suffix of the addresses.
        PacketView ports = portsWithAddresses();
        Ipv4Address.appendTo(line, ipv4.source());
        frameLine.appendPort(ports, FrameLine.SOURCE_PORT);
        Ipv4Address.appendTo(line.append(" > "), ipv4.destination());
        frameLine.appendPort(ports, FrameLine.DESTINATION_PORT);
        line.append(": ");
        switch (decoder.kind()) {
            case UDP -> udpFormatter.append(ports != null);
            case TCP -> tcpFormatter.append(ports != null);
            case ICMPV4 -> icmpFormatter.appendIcmpv4(decoder.icmpv4());
            case IPV4_FRAGMENT -> line.append("ip-proto-").append(ipv4.protocol())
                    .append(" (frag ").append(ipv4.identification()).append(':').append(ipv4.payloadLength())
                    .append('@').append(ipv4.fragmentOffsetBytes()).append(ipv4.moreFragments() ? "+)" : ")");
            default -> frameLine.appendOtherProtocol(ipv4.protocol(), ipv4.payloadLength());
        }
    }
}
