package io.netstack.handler;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netstack.wire.testing.CapturedIpv6Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link UserspaceHost} speaking IPv6 on an Ethernet link, fed the frames a Linux kernel sent in
 * {@link CapturedIpv6Frames}: the host is {@code 2001:db8::2} with MAC {@code 02:00:5e:10:00:02}, the kernel
 * {@code 2001:db8::1} with MAC {@code 02:00:5e:10:00:01}.
 */
class NdpResponderTest {
    private static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");
    private static final Ipv6Address HOST_IP = Ipv6Address.parse("2001:db8::2");
    private static final long KERNEL_MAC = 0x02005e100001L;
    private static final Ipv6Address KERNEL_IP = Ipv6Address.parse("2001:db8::1");
    private static final long ALL_NODES_MAC = 0x333300000001L;

    private final UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(HOST_IP).build();
    private final EmbeddedChannel channel = new EmbeddedChannel(host);
    private final InboundFrame decoded = new InboundFrame(LinkLayer.ETHERNET);

    @AfterEach
    void finish() {
        assertEquals(0, host.drops().total(), host.summary());
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    @Test
    void announcesItsAddressWithAnUnsolicitedAdvertisementToAllNodes() {
        byte[] announcement = readOutbound();
        NeighborDiscoveryMessage advertisement = decodeNdp(announcement, ALL_NODES_MAC, Ipv6Address.ALL_NODES);
        assertTrue(advertisement.isAdvertisement());
        assertEquals(NeighborDiscoveryMessage.FLAG_OVERRIDE, advertisement.flags());
        assertTrue(HOST_IP.matches(advertisement.buffer(), advertisement.targetOffset()));
        assertEquals(HOST_MAC.value(), advertisement.targetLinkLayerAddress());
        assertEquals(1, host.ndp().announcementsSent());
        assertNull(channel.readOutbound());
    }

    @Test
    void answersASolicitationToItsSolicitedNodeGroupAndLearnsTheSender() {
        skipAnnouncement();
        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.NEIGHBOR_SOLICITATION));
        NeighborDiscoveryMessage advertisement = decodeNdp(readOutbound(), KERNEL_MAC, KERNEL_IP);
        assertTrue(advertisement.isAdvertisement());
        assertEquals(NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE,
                advertisement.flags());
        assertTrue(HOST_IP.matches(advertisement.buffer(), advertisement.targetOffset()));
        assertEquals(HOST_MAC.value(), advertisement.targetLinkLayerAddress());
        assertEquals(NeighborDiscoveryMessage.NONE, advertisement.sourceLinkLayerAddress());
        assertEquals(KERNEL_MAC, host.ndp().neighbours().lookup(KERNEL_IP.high(), KERNEL_IP.low()));
        assertEquals(1, host.ndp().solicitationsAnswered());
    }

    @Test
    void defendsItsAddressAgainstADuplicateAddressDetectionProbe() {
        skipAnnouncement();
        ByteBuf probe = Ipv6Packets.duplicateAddressDetection(ByteBufAllocator.DEFAULT, HOST_IP);
        channel.writeInbound(EthernetHeader.prepend(probe, HOST_IP.solicitedNodeMulticast().multicastMac().value(),
                KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV6));
        NeighborDiscoveryMessage advertisement = decodeNdp(readOutbound(), ALL_NODES_MAC, Ipv6Address.ALL_NODES);
        assertEquals(NeighborDiscoveryMessage.FLAG_OVERRIDE, advertisement.flags(), "S clear: RFC 4861 7.2.4");
        assertTrue(HOST_IP.matches(advertisement.buffer(), advertisement.targetOffset()));
        assertEquals(HOST_MAC.value(), advertisement.targetLinkLayerAddress());
        assertEquals(1, host.ndp().duplicateAddressProbesAnswered());
        assertEquals(0, host.ndp().neighbours().size(), "a probe from :: teaches nothing");
    }

    @Test
    void leavesTheKernelsOwnProbeUnanswered() {
        skipAnnouncement();
        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.DAD_SOLICITATION));
        assertNull(channel.readOutbound(), "the kernel's address is not the host's");
        assertEquals(1, host.ndp().solicitationsForOthers());
        assertEquals(0, host.ndp().duplicateAddressProbesAnswered());
    }

    @Test
    void answersAnEchoRequestToTheNeighbourItLearnt() {
        skipAnnouncement();
        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.NEIGHBOR_SOLICITATION));
        readOutbound();
        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.ECHO_REQUEST));
        byte[] reply = readOutbound();
        assertNull(decoded.decode(Unpooled.wrappedBuffer(reply)));
        assertNull(decoded.verifyChecksums(), "ICMPv6 checksum");
        assertEquals(InboundFrame.Kind.ICMPV6, decoded.kind());
        assertEquals(KERNEL_MAC, decoded.ethernet().destination());
        Icmpv6Packet echo = decoded.icmpv6();
        assertTrue(echo.isEchoReply());
        assertEquals(0x1234, echo.identifier());
        assertEquals(1, echo.sequenceNumber());
        byte[] request = CapturedIpv6Frames.ECHO_REQUEST;
        assertArrayEquals(Arrays.copyOfRange(request, request.length - 56, request.length),
                Arrays.copyOfRange(reply, reply.length - 56, reply.length));
        assertEquals(1, host.icmpEcho().repliesSent());
    }

    @Test
    void resolvesAnUnknownNeighbourWithASolicitationAndSendsWhatWaited() {
        skipAnnouncement();
        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.UDP_HELLO));
        NeighborDiscoveryMessage solicitation = decodeNdp(readOutbound(),
                KERNEL_IP.solicitedNodeMulticast().multicastMac().value(), KERNEL_IP.solicitedNodeMulticast());
        assertTrue(solicitation.isSolicitation());
        assertTrue(KERNEL_IP.matches(solicitation.buffer(), solicitation.targetOffset()));
        assertEquals(HOST_MAC.value(), solicitation.sourceLinkLayerAddress());
        assertNull(channel.readOutbound(), "the echo waits for the kernel's address");

        channel.writeInbound(Unpooled.wrappedBuffer(CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT));
        byte[] echo = readOutbound();
        assertNull(decoded.decode(Unpooled.wrappedBuffer(echo)));
        assertNull(decoded.verifyChecksums(), "the UDP checksum, mandatory over IPv6");
        assertEquals(InboundFrame.Kind.UDP, decoded.kind());
        assertEquals(KERNEL_MAC, decoded.ethernet().destination());
        assertEquals(7, decoded.udp().sourcePort());
        assertEquals(40000, decoded.udp().destinationPort());
        assertEquals("hello", decoded.udp().payload().toString(StandardCharsets.US_ASCII));
        assertEquals(1, host.ethernet().neighborSolicitationsSent());
        assertEquals(1, host.ethernet().packetsResolved());
    }

    @Test
    void learnsNothingFromAnAdvertisementItDidNotAskFor() {
        skipAnnouncement();
        byte[] unsolicited = CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT.clone();
        unsolicited[EthernetFrame.HEADER_LENGTH + 40 + 4] = 0x20; // O only, and so the checksum 0x4000 higher
        int checksum = (unsolicited[56] & 0xff) << 8 | unsolicited[57] & 0xff;
        checksum += 0x4000;
        checksum = (checksum & 0xffff) + (checksum >>> 16);
        unsolicited[56] = (byte) (checksum >>> 8);
        unsolicited[57] = (byte) checksum;
        channel.writeInbound(Unpooled.wrappedBuffer(unsolicited));
        assertEquals(1, host.ndp().advertisementsReceived());
        assertEquals(0, host.ndp().neighbours().size());
    }

    private void skipAnnouncement() {
        readOutbound();
    }

    private byte[] readOutbound() {
        ByteBuf frame = channel.readOutbound();
        assertTrue(frame != null, "a frame was sent: " + host.summary());
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    /** Decodes an NDP frame the host sent and checks what every one must be: RFC 4861 section 7.1. */
    private NeighborDiscoveryMessage decodeNdp(byte[] frame, long destinationMac, Ipv6Address destination) {
        assertNull(decoded.decode(Unpooled.wrappedBuffer(frame)), "a valid NDP message");
        assertNull(decoded.verifyChecksums(), "ICMPv6 checksum");
        assertEquals(InboundFrame.Kind.NDP, decoded.kind());
        assertEquals(destinationMac, decoded.ethernet().destination());
        assertEquals(HOST_MAC.value(), decoded.ethernet().source());
        assertTrue(destination.matches(decoded.ipv6().buffer(), decoded.ipv6().destinationOffset()));
        assertEquals(NeighborDiscoveryMessage.HOP_LIMIT, decoded.ipv6().hopLimit());
        return decoded.neighborDiscovery();
    }
}
