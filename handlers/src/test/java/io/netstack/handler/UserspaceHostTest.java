package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserspaceHostTest {
    private static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");

    @TempDir
    Path directory;

    @Test
    void talksArpPingAndUdpWithTheKernel(@TempDir Path pcapDirectory) throws Exception {
        List<String> log = new ArrayList<>();
        Path pcapFile = pcapDirectory.resolve("host.pcap");
        UserspaceHost host = UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2"))
                .frameLog(log::add)
                .pcap(pcapFile)
                .build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        List<byte[]> conversation = List.of(CapturedFrames.ARP_REQUEST, CapturedFrames.ECHO_REQUEST,
                CapturedFrames.UDP_HELLO, CapturedFrames.padded(CapturedFrames.UDP_EMPTY));
        for (byte[] frame : conversation) {
            channel.writeInbound(pooled(frame));
        }
        int replies = 0;
        for (ByteBuf frame; (frame = channel.readOutbound()) != null; replies++) {
            frame.release();
        }
        assertFalse(channel.finishAndReleaseAll());

        assertEquals(5, replies, "one announcement and four answers");
        assertEquals(4, host.traffic().framesIn());
        assertEquals(5, host.traffic().framesOut());
        assertEquals(1, host.arp().requestsAnswered());
        assertEquals(1, host.icmpEcho().repliesSent());
        assertEquals(2, host.udpEcho().datagramsEchoed());
        assertEquals(0, host.drops().total());
        assertEquals(9, log.size());
        assertTrue(log.get(0).startsWith("out 02:00:5e:10:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP"), log.get(0));
        assertTrue(log.get(2).endsWith("Reply 192.0.2.2 is-at 02:00:5e:10:00:02, length 28"), log.get(2));
        assertEquals(24 + 9 * 16 + 42 + 42 + 42 + 98 + 98 + 47 + 47 + 60 + 42, Files.size(pcapFile));
        assertEquals("frames in 4 (247 bytes), out 5 (271 bytes); ARP requests answered 1, ICMP echo replies 1, "
                + "UDP echoes 2; drops 0: malformed{}, unhandled{}", host.summary());
    }

    @Test
    void countsWhatItDropsAndNeverThrows() {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel channel = announced(host);

        byte[] badIpChecksum = incremented(CapturedFrames.ECHO_REQUEST, 14 + 11);
        byte[] badIcmpChecksum = incremented(CapturedFrames.ECHO_REQUEST, 14 + 20 + 2);
        List<ByteBuf> frames = new ArrayList<>(List.of(
                pooled(new byte[0]),
                pooled(Arrays.copyOf(CapturedFrames.ECHO_REQUEST, 40)),
                pooled(badIpChecksum),
                pooled(badIcmpChecksum),
                pooled(udpToAnotherHost()),
                pooled(CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT),
                pooled(CapturedFrames.tagged(CapturedFrames.ARP_REQUEST, EthernetFrame.ETHERTYPE_VLAN, 1,
                        EthernetFrame.ETHERTYPE_VLAN, 2, EthernetFrame.ETHERTYPE_VLAN, 3))));
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = CapturedFrames.ECHO_REQUEST.clone();
            garbage[14 + random.nextInt(garbage.length - 14)] ^= (byte) (1 + random.nextInt(255));
            frames.add(pooled(Arrays.copyOf(garbage, random.nextInt(garbage.length + 1))));
        }
        for (ByteBuf frame : frames) {
            channel.writeInbound(frame);
            assertEquals(0, frame.refCnt(), "every frame consumed is released exactly once");
        }
        for (ByteBuf reply; (reply = channel.readOutbound()) != null; ) {
            reply.release();
        }
        assertFalse(channel.finishAndReleaseAll());

        DropCounters drops = host.drops();
        assertTrue(drops.count(DecodeError.IPV4_TRUNCATED) >= 1);
        assertTrue(drops.count(DecodeError.IPV4_BAD_CHECKSUM) >= 1);
        assertTrue(drops.count(DecodeError.ICMPV4_BAD_CHECKSUM) >= 1);
        assertTrue(drops.count(DecodeError.ETHERNET_TRUNCATED) >= 1);
        assertEquals(1, drops.count(DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS));
        assertEquals(1, drops.count(InboundFrame.Kind.UDP));
        assertEquals(1, drops.count(InboundFrame.Kind.IPV4_FRAGMENT));
        assertEquals(frames.size(), host.traffic().framesIn());
        assertEquals(frames.size(), drops.total() + host.icmpEcho().repliesSent() + host.arp().requestsAnswered()
                + host.arp().requestsForOthers() + host.arp().repliesReceived() + host.udpEcho().datagramsEchoed(),
                "every frame is answered, consumed or counted as dropped: " + host.summary());
    }

    @Test
    void dropsAndCountsABadChecksumUnlessTheKernelVerifiedIt() {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel channel = announced(host);
        byte[] badIcmpChecksum = incremented(CapturedFrames.ECHO_REQUEST, 14 + 20 + 2);
        byte[] badUdpChecksum = incremented(CapturedFrames.UDP_HELLO, 14 + 20 + 7);

        channel.writeInbound(pooled(badIcmpChecksum));
        channel.writeInbound(pooled(badUdpChecksum));
        assertNull(channel.readOutbound(), "nothing answered");
        assertEquals(1, host.drops().count(DecodeError.ICMPV4_BAD_CHECKSUM));
        assertEquals(1, host.drops().count(DecodeError.UDP_BAD_CHECKSUM));

        // DATA_VALID: the kernel verified the checksums (here: says it did), so the host does not sum again.
        for (byte[] frame : List.of(badIcmpChecksum, badUdpChecksum)) {
            channel.writeInbound(VirtioNetFrame.newInstance(VirtioNetFrame.F_DATA_VALID, VirtioNetFrame.GSO_NONE,
                    0, 0, 0, 0, pooled(frame)));
            channel.<ByteBuf>readOutbound().release();
        }
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(1, host.icmpEcho().repliesSent());
        assertEquals(1, host.udpEcho().datagramsEchoed());
        assertEquals(2, host.drops().total());
        assertEquals(4, host.traffic().framesIn(), "virtio frames are counted as they come in");
    }

    /** A channel of {@code host}, its gratuitous ARP sent and released. */
    private static EmbeddedChannel announced(UserspaceHost host) {
        EmbeddedChannel channel = new EmbeddedChannel(host);
        channel.<ByteBuf>readOutbound().release();
        return channel;
    }

    /** A copy of {@code frame} with the byte at {@code index} one higher, which breaks the checksum over it. */
    private static byte[] incremented(byte[] frame, int index) {
        byte[] copy = frame.clone();
        copy[index]++;
        return copy;
    }

    /** The captured "hello" datagram sent to 10.0.2.2, without a checksum, which would no longer match. */
    private static byte[] udpToAnotherHost() {
        byte[] frame = CapturedFrames.withIpv4HeaderByte(CapturedFrames.UDP_HELLO, 16, 10);
        frame[14 + 20 + 6] = 0;
        frame[14 + 20 + 7] = 0;
        return frame;
    }

    @Test
    void servesOneChannelOnly() {
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(Ipv4Address.parse("192.0.2.2")).build();
        EmbeddedChannel first = new EmbeddedChannel(host);
        // ChannelInitializer reports the failure to add the host's handlers again by closing the channel.
        EmbeddedChannel second = new EmbeddedChannel(host);
        assertFalse(second.isOpen());
        assertTrue(first.isOpen());
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void validatesItsConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(MacAddress.BROADCAST)
                .address(Ipv4Address.parse("192.0.2.2")).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2")).udpEchoPort(70000).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2")).udpService(0, new UdpEchoHandler()).build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .address(Ipv4Address.parse("192.0.2.2")).udpService(UdpEchoHandler.ECHO_PORT, new UdpEchoHandler())
                .build());
        assertThrows(IllegalArgumentException.class, () -> UserspaceHost.builder(HOST_MAC)
                .udpService(53, new UdpEchoHandler()).udpService(53, new UdpEchoHandler()));
    }
}
