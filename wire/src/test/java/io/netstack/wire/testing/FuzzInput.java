package io.netstack.wire.testing;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.InternetChecksum;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6ExtensionHeaders;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.UdpDatagram;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Arrays;

/**
 * How the fuzz tests read Jazzer's bytes: the last byte controls how the rest is presented, and the rest is the
 * packet or frame itself, so that a corpus file is a real capture followed by one control byte.
 *
 * <p>Control bits: the low three give a prefix of 0 to 7 bytes to place in front of the bytes in the buffer, so the
 * views are exercised at other offsets than 0; {@link #FIX_CHECKSUMS} makes the IPv4, ICMP, ICMPv6 and UDP
 * checksums right after mutation, since the fuzzer almost never guesses them and would otherwise never get past the
 * first checksum to the layers above; the three {@link #HUGE} bits all set pad the bytes with zeros beyond 65535, which
 * libFuzzer's default input limit of 4096 bytes would never reach (three bits, so that only one input in eight pays
 * for it).
 *
 * @param bytes         the bytes to decode, checksums fixed and padded as the control byte asked
 * @param prefix        how many bytes to put in front of them in the buffer
 * @param fixChecksums  whether checksums were made right
 */
public record FuzzInput(byte[] bytes, int prefix, boolean fixChecksums) {
    private static final int PREFIX_MASK = 0x07;
    private static final int FIX_CHECKSUMS = 0x08;
    private static final int HUGE = 0x70;
    /** Past the largest IPv4 packet and the largest Ethernet frame carrying one. */
    public static final int HUGE_LENGTH = 70_000;

    /** Reads the control byte from the end and takes all the other bytes. */
    public static FuzzInput read(FuzzedDataProvider data) {
        int control = data.consumeByte() & 0xff;
        byte[] bytes = data.consumeRemainingAsBytes();
        if ((control & HUGE) == HUGE) {
            bytes = Arrays.copyOf(bytes, HUGE_LENGTH + bytes.length);
        }
        return new FuzzInput(bytes, control & PREFIX_MASK, (control & FIX_CHECKSUMS) != 0);
    }

    /**
     * Makes the checksums of an Ethernet frame's IPv4 packet and of its ICMP message or UDP datagram right, or those
     * of its IPv6 packet's ICMPv6 message or UDP datagram, where the headers are sane enough to tell where those
     * are; anything else is left as it is.
     */
    public static void fixFrameChecksums(byte[] frame) {
        int type = EthernetFrame.HEADER_LENGTH - 2;
        for (int tags = 0; tags <= EthernetFrame.MAX_VLAN_TAGS && type + 2 <= frame.length; tags++) {
            int etherType = (frame[type] & 0xff) << 8 | frame[type + 1] & 0xff;
            if (etherType == EthernetFrame.ETHERTYPE_IPV4) {
                fixIpv4Checksums(frame, type + 2);
                return;
            }
            if (etherType == EthernetFrame.ETHERTYPE_IPV6) {
                fixIpv6Checksums(frame, type + 2);
                return;
            }
            if (etherType != EthernetFrame.ETHERTYPE_VLAN && etherType != EthernetFrame.ETHERTYPE_QINQ) {
                return;
            }
            type += EthernetFrame.VLAN_TAG_LENGTH;
        }
    }

    /** The same for an IPv4 packet starting at index {@code ip} of {@code bytes}. */
    public static void fixIpv4Checksums(byte[] bytes, int ip) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            int available = bytes.length - ip;
            if (available < Ipv4Packet.MIN_HEADER_LENGTH || buf.getUnsignedByte(ip) >>> 4 != Ipv4Packet.VERSION) {
                return;
            }
            int headerLength = (buf.getUnsignedByte(ip) & 0x0f) * 4;
            if (headerLength < Ipv4Packet.MIN_HEADER_LENGTH || headerLength > available) {
                return;
            }
            setChecksum(buf, ip + 10, ip, headerLength, 0);
            int totalLength = Math.min(buf.getUnsignedShort(ip + 2), available);
            boolean fragment = (buf.getUnsignedShort(ip + 6) & 0x3fff) != 0;
            int l4 = ip + headerLength;
            int l4Length = totalLength - headerLength;
            if (fragment || l4Length < 8) {
                return;
            }
            switch (buf.getUnsignedByte(ip + 9)) {
                case Ipv4Packet.PROTOCOL_ICMP -> setChecksum(buf, l4 + 2, l4, l4Length, 0);
                case Ipv4Packet.PROTOCOL_UDP -> {
                    int udpLength = buf.getUnsignedShort(l4 + 4);
                    if (udpLength >= UdpDatagram.HEADER_LENGTH && udpLength <= l4Length) {
                        fixUdpChecksum(buf, l4, udpLength, buf.getInt(ip + 12), buf.getInt(ip + 16));
                    }
                }
                default -> { }
            }
        } finally {
            buf.release();
        }
    }

    /**
     * The same for an IPv6 packet starting at index {@code ip} of {@code bytes}: the ICMPv6 or UDP checksum of the
     * upper layer its extension headers lead to, where they do.
     */
    public static void fixIpv6Checksums(byte[] bytes, int ip) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            Ipv6Packet packet = new Ipv6Packet();
            Ipv6ExtensionHeaders headers = new Ipv6ExtensionHeaders();
            if (ip > bytes.length || !packet.wrap(buf, ip, bytes.length - ip)
                    || headers.walk(packet) != Ipv6ExtensionHeaders.Verdict.UPPER_LAYER) {
                return;
            }
            int upper = headers.upperLayerOffset();
            int length = headers.upperLayerLength();
            if (length < 8) {
                return;
            }
            switch (headers.upperLayerProtocol()) {
                case Ipv6Packet.PROTOCOL_ICMPV6 -> setChecksum(buf, upper + 2, upper, length,
                        packet.pseudoHeaderSum(Ipv6Packet.PROTOCOL_ICMPV6, length));
                case Ipv4Packet.PROTOCOL_UDP -> {
                    int udpLength = buf.getUnsignedShort(upper + 4);
                    if (udpLength >= UdpDatagram.HEADER_LENGTH && udpLength <= length) {
                        setUdpChecksum(buf, upper, udpLength,
                                packet.pseudoHeaderSum(Ipv4Packet.PROTOCOL_UDP, udpLength));
                    }
                }
                default -> { }
            }
        } finally {
            buf.release();
        }
    }

    /** Makes the checksum of the UDP datagram of {@code length} bytes at {@code udp} right for these addresses. */
    public static void fixUdpChecksum(ByteBuf buf, int udp, int length, int source, int destination) {
        setUdpChecksum(buf, udp, length,
                InternetChecksum.pseudoHeaderSum(source, destination, Ipv4Packet.PROTOCOL_UDP, length));
    }

    private static void setUdpChecksum(ByteBuf buf, int udp, int length, long pseudoHeader) {
        setChecksum(buf, udp + 6, udp, length, pseudoHeader);
        if (buf.getUnsignedShort(udp + 6) == 0) {
            buf.setShort(udp + 6, 0xffff); // 0 would mean "no checksum" (RFC 768)
        }
    }

    /** Zeroes the checksum field at {@code field}, then writes the checksum of the range plus {@code initial}. */
    public static void setChecksum(ByteBuf buf, int field, int index, int length, long initial) {
        buf.setShort(field, 0);
        buf.setShort(field, InternetChecksum.finish(InternetChecksum.sum(buf, index, length, initial)));
    }
}
