package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.MacAddress;
import io.netstack.wire.UdpHeader;
import io.netstack.testing.PcapFile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sizes and shapes the fuzzers reach rarely or never (their inputs stay under 4096 bytes), through a whole host
 * with its frame log and pcap file: a 1-byte frame, frames of 65535 bytes and more, the largest UDP datagram echoed
 * back, and a stack of 100 VLAN tags. (Empty frames and three tags are in {@link UserspaceHostTest}.)
 */
class HostileFramesTest {
    private static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");
    private static final long KERNEL_MAC = 0x02005e100001L;
    private static final int KERNEL_IP = 0xc0000201;
    private static final int HOST_IP = 0xc0000202;
    /** The UDP payload of a datagram whose IPv4 total length is 65535. */
    private static final int MAX_UDP_PAYLOAD = 0xffff - 20 - 8;

    @TempDir
    Path directory;

    @Test
    void theHostCountsAndLogsEveryOddFrameAndEchoesTheLargestDatagram() throws IOException {
        List<String> log = new ArrayList<>();
        Path pcapFile = directory.resolve("hostile.pcap");
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(new Ipv4Address(HOST_IP)).udpEchoPort(7)
                .frameLog(log::add).pcap(pcapFile).build();
        EmbeddedChannel channel = new EmbeddedChannel(host);
        channel.<ByteBuf>readOutbound().release(); // the announcement
        host.arp().neighbours().put(KERNEL_IP, KERNEL_MAC); // as the kernel's ARP request would have taught it

        ByteBuf largestDatagram = largestDatagramToTheHost();
        byte[] largestDatagramBytes = ByteBufUtil.getBytes(largestDatagram);
        List<ByteBuf> frames = List.of(
                heap(new byte[1]),
                heap(new byte[0xffff]), // EtherType 0
                largestDatagram,
                heap(Arrays.copyOf(largestDatagramBytes, 100_000)),
                heap(vlanTags(100)));
        for (ByteBuf frame : frames) {
            channel.writeInbound(frame);
            assertEquals(0, frame.refCnt());
        }
        ByteBuf echo = channel.readOutbound();
        ByteBuf secondEcho = channel.readOutbound();
        assertNull(channel.readOutbound());
        try {
            assertEquals(EthernetFrame.HEADER_LENGTH + 0xffff, echo.readableBytes());
            int data = EthernetFrame.HEADER_LENGTH + 20 + 8;
            assertTrue(ByteBufUtil.equals(heap(largestDatagramBytes), data, echo, data, MAX_UDP_PAYLOAD),
                    "the data comes back byte-identical");
            assertEquals(echo, secondEcho, "the zeros after the datagram are not echoed");
        } finally {
            echo.release();
            secondEcho.release();
        }
        assertFalse(channel.finishAndReleaseAll());

        DropCounters drops = host.drops();
        assertEquals(1, drops.count(DecodeError.ETHERNET_TRUNCATED));
        assertEquals(1, drops.count(InboundFrame.Kind.OTHER_ETHERTYPE));
        assertEquals(1, drops.count(DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS));
        assertEquals(3, drops.total());
        assertEquals(2, host.udpEcho().datagramsEchoed());
        assertEquals(frames.size() + 3, log.size(), "every frame in and out logged: " + log);
        List<PcapFile.Record> records = PcapFile.read(pcapFile).records();
        assertEquals(frames.size() + 3, records.size());
        assertEquals(100_000, records.get(5).originalLength());
        assertTrue(log.get(3).endsWith("UDP, length " + MAX_UDP_PAYLOAD), log.get(3));
    }

    private static ByteBuf largestDatagramToTheHost() {
        byte[] bytes = new byte[MAX_UDP_PAYLOAD];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        ByteBuf data = Unpooled.wrappedBuffer(bytes);
        try {
            return new EthernetHeader(HOST_MAC.value(), KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV4)
                    .prependTo(Frames.udp(UnpooledByteBufAllocator.DEFAULT,
                            Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP), new UdpHeader(40000, 7),
                            data, 0, MAX_UDP_PAYLOAD));
        } finally {
            data.release();
        }
    }

    /** A frame of nothing but MAC addresses and {@code count} 802.1Q tags. */
    private static byte[] vlanTags(int count) {
        byte[] frame = new byte[12 + count * EthernetFrame.VLAN_TAG_LENGTH];
        for (int tpid = 12; tpid < frame.length; tpid += EthernetFrame.VLAN_TAG_LENGTH) {
            frame[tpid] = (byte) 0x81;
        }
        return frame;
    }

    /**
     * A heap buffer: the leak detector's PARANOID tracking of every access would make the large frames take seconds;
     * their release is checked by reference count instead.
     */
    private static ByteBuf heap(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }
}
