package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The formatter's lines for what {@link FrameFormatterTcpdumpTest} cannot compare with tcpdump: frames a host
 * would drop, which tcpdump prints without complaint at its default verbosity, and the logger itself.
 */
class FrameLoggerTest {
    /** Where the kernel's IPv6 frames have their hop limit and the last byte of their ICMPv6 checksum. */
    private static final int IPV6_HOP_LIMIT = EthernetFrame.HEADER_LENGTH + 7;
    private static final int ICMPV6_CHECKSUM = EthernetFrame.HEADER_LENGTH + 40 + 3;
    private static final int UDP_LENGTH_FIELD = EthernetFrame.HEADER_LENGTH + 40 + 5;
    /** Bytes of a String object and of its array's header, whose Latin-1 bytes are rounded up to 8. */
    private static final int STRING_OVERHEAD = 24 + 16 + 7;

    private final FrameFormatter formatter = new FrameFormatter();

    @Test
    void formatsLikeTcpdump() {
        assertFormat("02:00:5e:10:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: "
                + "Request who-has 192.0.2.2 tell 192.0.2.1, length 28", CapturedFrames.ARP_REQUEST);
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv4 (0x0800), length 98: "
                + "192.0.2.1 > 192.0.2.2: ICMP echo request, id 13393, seq 1, length 64", CapturedFrames.ECHO_REQUEST);
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv4 (0x0800), length 60: "
                + "192.0.2.1.40000 > 192.0.2.2.7: UDP, length 5", CapturedFrames.padded(CapturedFrames.UDP_HELLO));
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv4 (0x0800), length 162: "
                + "192.0.2.1 > 192.0.2.2: ip-proto-1 (frag 44962:128@1480)", CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT);
    }

    @Test
    void formatsVlanTags() {
        assertFormat("02:00:5e:10:00:01 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q-QinQ (0x88a8), length 50: "
                        + "vlan 100, p 0, ethertype 802.1Q (0x8100), vlan 200, p 5, DEI, ethertype ARP (0x0806), "
                        + "Request who-has 192.0.2.2 tell 192.0.2.1, length 28",
                CapturedFrames.tagged(CapturedFrames.ARP_REQUEST, EthernetFrame.ETHERTYPE_QINQ, 100,
                        EthernetFrame.ETHERTYPE_VLAN, 5 << 13 | 0x1000 | 200));
    }

    @Test
    void namesTheBrokenLayer() {
        byte[] badChecksum = CapturedFrames.UDP_HELLO.clone();
        badChecksum[badChecksum.length - 1]++;
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv4 (0x0800), length 47: "
                + "192.0.2.1 > 192.0.2.2: [malformed: UDP checksum mismatch]", badChecksum);
        assertFormat("[malformed: Ethernet frame shorter than its header and 802.1Q tags], length 3", new byte[3]);
        assertFormat("02:00:5e:10:00:01 > 01:80:c2:00:00:0e, ethertype Unknown (0x88cc), length 60",
                CapturedFrames.hex("0180c200000e02005e10000188cc" + "00".repeat(46)));
    }

    @Test
    void namesWhatAHostWouldDiscard() {
        byte[] badChecksum = CapturedIpv6Frames.ECHO_REQUEST.clone();
        badChecksum[ICMPV6_CHECKSUM]++;
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv6 (0x86dd), length 118: "
                + "2001:db8::1 > 2001:db8::2: [malformed: ICMPv6 checksum mismatch]", badChecksum);
        byte[] forwarded = CapturedIpv6Frames.NEIGHBOR_SOLICITATION.clone();
        forwarded[IPV6_HOP_LIMIT] = 64;
        assertFormat("02:00:5e:10:00:01 > 33:33:ff:00:00:02, ethertype IPv6 (0x86dd), length 86: "
                + "2001:db8::1 > ff02::1:ff00:2: [malformed: Neighbor Discovery message with a hop limit other than "
                + "255]", forwarded);
        byte[] badUdpChecksum = CapturedIpv6Frames.UDP_HELLO.clone();
        badUdpChecksum[badUdpChecksum.length - 1]++;
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv6 (0x86dd), length 67: "
                + "2001:db8::1 > 2001:db8::2: [malformed: UDP checksum mismatch]", badUdpChecksum);
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv6 (0x86dd), length 60: "
                + "[malformed: IPv6 packet shorter than its header or its payload length]",
                Arrays.copyOf(CapturedIpv6Frames.ECHO_REQUEST, 60));
        byte[] udpTooLong = CapturedIpv6Frames.UDP_HELLO.clone();
        udpTooLong[UDP_LENGTH_FIELD]++;
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv6 (0x86dd), length 67: "
                + "2001:db8::1 > 2001:db8::2: [malformed: UDP datagram shorter than its header or its length field]",
                udpTooLong);
    }

    @Test
    void doesNotDependOnTheFrameBefore() {
        byte[] udpTooLong = CapturedIpv6Frames.UDP_HELLO.clone();
        udpTooLong[UDP_LENGTH_FIELD]++;
        String alone = new FrameFormatter().format(CapturedFrames.wrap(udpTooLong));
        assertFormat("02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv6 (0x86dd), length 118: "
                + "2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 4660, seq 1, length 64",
                CapturedIpv6Frames.ECHO_REQUEST);
        assertFormat(alone, udpTooLong);
    }

    @Test
    void formatsPacketsOfATunDevice() {
        FrameFormatter tun = new FrameFormatter(LinkLayer.IP);
        assertFormat(tun, "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 4660, seq 1, length 64",
                withoutEthernet(CapturedIpv6Frames.ECHO_REQUEST));
        assertFormat(tun, "IP 192.0.2.1.40000 > 192.0.2.2.7: UDP, length 5",
                withoutEthernet(CapturedFrames.UDP_HELLO));
        assertFormat(tun, "[|ip]", new byte[0]);
        assertFormat(tun, "unknown ip 1", new byte[] {0x10, 0});
        assertFormat(tun, "IP [malformed: IPv4 packet shorter than its header or its total length]",
                new byte[] {0x45, 0});
    }

    @Test
    void allocatesOnlyTheLine() {
        for (byte[] frame : List.of(CapturedFrames.ARP_REQUEST, CapturedFrames.UDP_HELLO,
                CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT, CapturedIpv6Frames.PORT_UNREACHABLE,
                CapturedIpv6Frames.UDP_HELLO)) {
            ByteBuf buf = Allocations.untracked(frame);
            try {
                int lineLength = formatter.format(buf).length();
                long allocated = Allocations.ofSecondRun(() -> formatter.format(buf).length());
                assertTrue(allocated <= STRING_OVERHEAD + lineLength,
                        () -> allocated + " bytes allocated for a line of " + lineLength);
            } finally {
                buf.release();
            }
        }
    }

    private static byte[] withoutEthernet(byte[] frame) {
        return Arrays.copyOfRange(frame, EthernetFrame.HEADER_LENGTH, frame.length);
    }

    private void assertFormat(String expected, byte[] frame) {
        assertFormat(formatter, expected, frame);
    }

    private static void assertFormat(FrameFormatter formatter, String expected, byte[] frame) {
        ByteBuf buf = CapturedFrames.wrap(frame);
        try {
            assertEquals(expected, formatter.format(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void logsBothDirections() {
        List<String> lines = new ArrayList<>();
        DropCounters drops = new DropCounters();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameLogger(lines::add),
                new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
                new EthernetFramer(ArpResponderTest.HOST, ArpResponderTest.knowingTheKernel(), drops),
                new IcmpEchoResponder(ArpResponderTest.HOST));
        channel.writeInbound(pooled(CapturedFrames.ECHO_REQUEST));
        channel.<ByteBuf>readOutbound().release();
        assertEquals(List.of(
                "in  02:00:5e:10:00:01 > 02:00:5e:10:00:02, ethertype IPv4 (0x0800), length 98: "
                        + "192.0.2.1 > 192.0.2.2: ICMP echo request, id 13393, seq 1, length 64",
                "out 02:00:5e:10:00:02 > 02:00:5e:10:00:01, ethertype IPv4 (0x0800), length 98: "
                        + "192.0.2.2 > 192.0.2.1: ICMP echo reply, id 13393, seq 1, length 64"), lines);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void logsATunDevicesPacketsAsARawIpLink() {
        List<String> lines = new ArrayList<>();
        DropCounters drops = new DropCounters();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameLogger(lines::add, LinkLayer.IP),
                new PacketDemultiplexer(LinkLayer.IP, drops), new IcmpEchoResponder(ArpResponderTest.HOST),
                new UnhandledFrameCounter(drops));
        byte[] request = Arrays.copyOfRange(CapturedFrames.ECHO_REQUEST, EthernetFrame.HEADER_LENGTH,
                CapturedFrames.ECHO_REQUEST.length);
        channel.writeInbound(pooled(request));
        channel.<ByteBuf>readOutbound().release();
        channel.writeInbound(pooled(new byte[] {0x60, 0}), pooled(new byte[] {0x10}));
        assertEquals(List.of(
                "in  IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 13393, seq 1, length 64",
                "out IP 192.0.2.2 > 192.0.2.1: ICMP echo reply, id 13393, seq 1, length 64",
                "in  IP6 [malformed: IPv6 packet shorter than its header or its payload length]",
                "in  unknown ip 1"), lines);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void logsTheLinkLayerItWasMadeFor() {
        List<String> lines = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameLogger(lines::add, LinkLayer.IP));
        channel.writeInbound(pooled(withoutEthernet(CapturedIpv6Frames.NEIGHBOR_SOLICITATION)));
        channel.<ByteBuf>readInbound().release();
        assertEquals(List.of("in  IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has "
                + "2001:db8::2, length 32"), lines);
        assertFalse(channel.finishAndReleaseAll());
    }
}
