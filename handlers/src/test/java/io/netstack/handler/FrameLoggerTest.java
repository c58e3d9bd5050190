package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.LinkLayer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class FrameLoggerTest {
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

    private void assertFormat(String expected, byte[] frame) {
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
                "in  IP6, length 2",
                "in  IP version 1, length 1"), lines);
        assertFalse(channel.finishAndReleaseAll());
    }
}
