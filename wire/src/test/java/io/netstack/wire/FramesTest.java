package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.netstack.wire.testing.CapturedFrames.ARP_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.UDP_EMPTY;
import static io.netstack.wire.testing.CapturedFrames.UDP_HELLO;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds frames, then decodes them with the views: every field and checksum must come back. */
class FramesTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long KERNEL_MAC = 0x02005e100001L;
    private static final long HOST_MAC = 0x02005e100002L;
    private static final int KERNEL_IP = 0xc0000201;
    private static final int HOST_IP = 0xc0000202;

    @Test
    void buildsTheKernelsArpRequestByteForByte() {
        ByteBuf frame = Frames.arpRequest(ALLOC, KERNEL_MAC, KERNEL_IP, HOST_IP);
        try {
            assertEquals(ByteBufUtil.hexDump(ARP_REQUEST), ByteBufUtil.hexDump(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void buildsAnArpReply() {
        ByteBuf frame = Frames.arpReply(ALLOC, HOST_MAC, HOST_IP, KERNEL_MAC, KERNEL_IP);
        try {
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            assertEquals(KERNEL_MAC, ethernet.destination());
            assertEquals(HOST_MAC, ethernet.source());
            ArpPacket arp = ArpPacket.parse(frame.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertTrue(arp.isReply());
            assertEquals(HOST_MAC, arp.sha());
            assertEquals(HOST_IP, arp.spa());
            assertEquals(KERNEL_MAC, arp.tha());
            assertEquals(KERNEL_IP, arp.tpa());
        } finally {
            frame.release();
        }
    }

    @Test
    void buildsAGratuitousArp() {
        ByteBuf frame = Frames.gratuitousArp(ALLOC, HOST_MAC, HOST_IP);
        try {
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            assertTrue(MacAddress.isBroadcast(ethernet.destination()));
            ArpPacket arp = ArpPacket.parse(frame.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertTrue(arp.isRequest());
            assertTrue(arp.isGratuitous());
            assertEquals(HOST_IP, arp.tpa());
        } finally {
            frame.release();
        }
    }

    @Test
    void buildsTheEchoReplyToPing() {
        ByteBuf request = wrap(ECHO_REQUEST);
        EthernetFrame ethernet = new EthernetFrame();
        Ipv4Packet ipv4 = new Ipv4Packet();
        Icmpv4Packet icmp = new Icmpv4Packet();
        assertTrue(ethernet.wrap(request));
        assertTrue(ipv4.wrap(request, ethernet.payloadOffset(), ethernet.payloadLength()));
        assertTrue(icmp.wrap(request, ipv4.payloadOffset(), ipv4.payloadLength()));
        ByteBuf reply = Frames.icmpEchoReply(ALLOC, HOST_MAC, ethernet, ipv4, icmp);
        try {
            assertEquals(ECHO_REQUEST.length, reply.readableBytes());
            EthernetFrame replyEthernet = EthernetFrame.parse(reply);
            assertEquals(KERNEL_MAC, replyEthernet.destination());
            assertEquals(HOST_MAC, replyEthernet.source());
            Ipv4Packet replyIpv4 = Ipv4Packet.parse(reply.slice(14, reply.readableBytes() - 14));
            assertEquals(HOST_IP, replyIpv4.source());
            assertEquals(KERNEL_IP, replyIpv4.destination());
            assertEquals(Ipv4Packet.PROTOCOL_ICMP, replyIpv4.protocol());
            assertEquals(Ipv4Packet.DEFAULT_TTL, replyIpv4.ttl());
            assertTrue(replyIpv4.dontFragment());
            Icmpv4Packet replyIcmp = Icmpv4Packet.parse(replyIpv4.payload());
            assertTrue(replyIcmp.isEchoReply());
            assertEquals(0x3451, replyIcmp.identifier());
            assertEquals(1, replyIcmp.sequenceNumber());
            assertEquals(icmp.payload(), replyIcmp.payload());
            // Only the type differs from the request, so the checksum grows by exactly 0x0800 (RFC 1624).
            assertEquals(icmp.checksum() + 0x0800, replyIcmp.checksum());
        } finally {
            reply.release();
            request.release();
        }
    }

    @Test
    void buildsTheKernelsUdpDatagramsWithTheSameChecksums() {
        for (byte[] captured : new byte[][] {UDP_HELLO, UDP_EMPTY}) {
            ByteBuf expected = wrap(captured);
            UdpDatagram udp = UdpDatagram.parse(Ipv4Packet.parse(expected.slice(14, captured.length - 14)));
            ByteBuf frame = Frames.udp(ALLOC, KERNEL_MAC, HOST_MAC, KERNEL_IP, HOST_IP,
                    udp.sourcePort(), 7, udp.buffer(), udp.payloadOffset(), udp.payloadLength());
            try {
                UdpDatagram built = UdpDatagram.parse(Ipv4Packet.parse(frame.slice(14, frame.readableBytes() - 14)));
                assertEquals(udp.checksum(), built.checksum());
                assertEquals(udp.payload(), built.payload());
            } finally {
                frame.release();
                expected.release();
            }
        }
    }

    @Test
    void sendsAComputedZeroUdpChecksumAsAllOnes() {
        // Data chosen so that the one's complement sum over pseudo-header and datagram is 0xffff.
        ByteBuf data = Unpooled.buffer(2);
        try {
            data.writeShort(0);
            int checksum = checksumOf(data);
            data.setShort(0, checksum); // adding the old checksum as data makes the new sum all ones
            ByteBuf frame = Frames.udp(ALLOC, KERNEL_MAC, HOST_MAC, KERNEL_IP, HOST_IP, 1, 2, data, 0, 2);
            try {
                assertEquals(0xffff, frame.getUnsignedShort(14 + 20 + 6));
                UdpDatagram udp = UdpDatagram.parse(Ipv4Packet.parse(frame.slice(14, 30)));
                assertTrue(udp.isChecksumValid(KERNEL_IP, HOST_IP));
            } finally {
                frame.release();
            }
        } finally {
            data.release();
        }
    }

    private static int checksumOf(ByteBuf data) {
        ByteBuf frame = Frames.udp(ALLOC, KERNEL_MAC, HOST_MAC, KERNEL_IP, HOST_IP, 1, 2, data, 0, 2);
        try {
            return frame.getUnsignedShort(14 + 20 + 6);
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsOversizedPayloadsBeforeAllocating() {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[0xffff]);
        try {
            assertThrows(IllegalArgumentException.class, () -> Frames.udp(ALLOC, KERNEL_MAC, HOST_MAC, KERNEL_IP,
                    HOST_IP, 1, 2, data, 0, 0xffff - 27));
            assertThrows(IndexOutOfBoundsException.class, () -> Frames.udp(ALLOC, KERNEL_MAC, HOST_MAC, KERNEL_IP,
                    HOST_IP, 1, 2, data, 1, 0xffff));
        } finally {
            data.release();
        }
    }

    @Test
    void buildsTheLargestUdpDatagram() {
        ByteBuf data = Unpooled.copiedBuffer("x".repeat(0xffff - 28), StandardCharsets.US_ASCII);
        ByteBuf frame = Frames.udp(ALLOC, KERNEL_MAC, HOST_MAC, KERNEL_IP, HOST_IP, 1, 2,
                data, 0, data.readableBytes());
        try {
            Ipv4Packet ipv4 = Ipv4Packet.parse(frame.slice(14, frame.readableBytes() - 14));
            assertEquals(0xffff, ipv4.totalLength());
            assertEquals(0xffff - 28, UdpDatagram.parse(ipv4).payloadLength());
        } finally {
            frame.release();
            data.release();
        }
    }
}
