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
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds frames, then decodes them with the views: every field and checksum must come back. */
class FramesTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long KERNEL_MAC = 0x02005e100001L;
    private static final long HOST_MAC = 0x02005e100002L;
    private static final int KERNEL_IP = 0xc0000201;
    private static final int HOST_IP = 0xc0000202;
    private static final EthernetHeader TO_HOST =
            new EthernetHeader(HOST_MAC, KERNEL_MAC, EthernetFrame.ETHERTYPE_IPV4);

    /** A datagram from the kernel's port 1 to the host's port 2, in an Ethernet frame. */
    private static ByteBuf udp(ByteBuf data, int index, int length) {
        return TO_HOST.prependTo(Frames.udp(ALLOC, Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(1, 2), data, index, length));
    }

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
        ByteBuf reply = EthernetHeader.replyTo(HOST_MAC, ethernet).prependTo(Frames.icmpEchoReply(ALLOC, ipv4, icmp));
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
            assertTrue(replyIpv4.isChecksumValid());
            Icmpv4Packet replyIcmp = Icmpv4Packet.parse(replyIpv4.payload());
            assertTrue(replyIcmp.isChecksumValid());
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
            ByteBuf frame = TO_HOST.prependTo(Frames.udp(ALLOC,
                    Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP), new UdpHeader(udp.sourcePort(), 7),
                    udp.buffer(), udp.payloadOffset(), udp.payloadLength()));
            try {
                Ipv4Packet builtIpv4 = Ipv4Packet.parse(frame.slice(14, frame.readableBytes() - 14));
                UdpDatagram built = UdpDatagram.parse(builtIpv4);
                assertTrue(builtIpv4.isChecksumValid());
                assertTrue(built.isChecksumValid(builtIpv4));
                assertEquals(udp.checksum(), built.checksum());
                assertEquals(udp.payload(), built.payload());
            } finally {
                frame.release();
                expected.release();
            }
        }
    }

    @Test
    void buildsTheReplyToADatagramAsTheRecordsWould() {
        ByteBuf request = wrap(UDP_HELLO);
        Ipv4Packet ipv4 = Ipv4Packet.parse(request.slice(14, UDP_HELLO.length - 14));
        UdpDatagram udp = UdpDatagram.parse(ipv4);
        ByteBuf reply = Frames.udpReply(ALLOC, ipv4, udp, udp.buffer(), udp.payloadOffset(), udp.payloadLength());
        ByteBuf expected = Frames.udp(ALLOC, Ipv4Header.replyTo(ipv4), UdpHeader.replyTo(udp), udp.buffer(),
                udp.payloadOffset(), udp.payloadLength());
        try {
            assertEquals(ByteBufUtil.hexDump(expected), ByteBufUtil.hexDump(reply));
            Ipv4Packet replyIpv4 = Ipv4Packet.parse(reply);
            assertEquals(HOST_IP, replyIpv4.source());
            assertEquals(KERNEL_IP, replyIpv4.destination());
            UdpDatagram replyUdp = UdpDatagram.parse(replyIpv4);
            assertEquals(7, replyUdp.sourcePort());
            assertEquals(udp.sourcePort(), replyUdp.destinationPort());
            assertTrue(replyUdp.isChecksumValid(replyIpv4));
            assertEquals(udp.payload(), replyUdp.payload());
        } finally {
            reply.release();
            expected.release();
            request.release();
        }
    }

    @Test
    void buildsADatagramFromItsFieldsAsTheRecordsWould() {
        ByteBuf data = wrap(new byte[] {'h', 'i'});
        ByteBuf datagram = Frames.udpDatagram(ALLOC, HOST_IP, 7, KERNEL_IP, 40000, data, 0, 2);
        ByteBuf expected = Frames.udp(ALLOC, Ipv4Header.of(HOST_IP, KERNEL_IP, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(7, 40000), data, 0, 2);
        try {
            assertEquals(ByteBufUtil.hexDump(expected), ByteBufUtil.hexDump(datagram));
            assertThrows(IllegalArgumentException.class,
                    () -> Frames.udpDatagram(ALLOC, HOST_IP, 0x10000, KERNEL_IP, 40000, data, 0, 2));
        } finally {
            datagram.release();
            expected.release();
            data.release();
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
            ByteBuf frame = udp(data, 0, 2);
            try {
                assertEquals(0xffff, frame.getUnsignedShort(14 + 20 + 6));
                UdpDatagram udp = UdpDatagram.parse(Ipv4Packet.parse(frame.slice(14, 30)));
                assertTrue(udp.isChecksumValid(Ipv4Packet.parse(frame.slice(14, 30))));
            } finally {
                frame.release();
            }
        } finally {
            data.release();
        }
    }

    private static int checksumOf(ByteBuf data) {
        ByteBuf frame = udp(data, 0, 2);
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
            assertThrows(IllegalArgumentException.class, () -> udp(data, 0, 0xffff - 27));
            assertThrows(IndexOutOfBoundsException.class, () -> udp(data, 1, 0xffff));
        } finally {
            data.release();
        }
    }

    @Test
    void buildsTheLargestUdpDatagram() {
        ByteBuf data = Unpooled.copiedBuffer("x".repeat(0xffff - 28), StandardCharsets.US_ASCII);
        ByteBuf frame = udp(data, 0, data.readableBytes());
        try {
            Ipv4Packet ipv4 = Ipv4Packet.parse(frame.slice(14, frame.readableBytes() - 14));
            assertEquals(0xffff, ipv4.totalLength());
            assertEquals(0xffff - 28, UdpDatagram.parse(ipv4).payloadLength());
        } finally {
            frame.release();
            data.release();
        }
    }

    @Test
    void buildsAnIpLayerUdpPacketWithLinkHeadroomAndTheKernelsChecksum() {
        ByteBuf expected = wrap(UDP_HELLO);
        UdpDatagram udp = UdpDatagram.parse(Ipv4Packet.parse(expected.slice(14, UDP_HELLO.length - 14)));
        ByteBuf packet = Frames.udp(ALLOC, Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(udp.sourcePort(), 7), udp.buffer(), udp.payloadOffset(), udp.payloadLength());
        try {
            assertEquals(Frames.LINK_HEADROOM, packet.readerIndex(), "room for an Ethernet header before it");
            assertEquals(UDP_HELLO.length - 14, packet.readableBytes());
            Ipv4Packet ip = Ipv4Packet.parse(packet);
            UdpDatagram built = UdpDatagram.parse(ip);
            assertTrue(ip.isChecksumValid());
            assertEquals(udp.checksum(), built.checksum());
            assertEquals(udp.payload(), built.payload());
        } finally {
            packet.release();
            expected.release();
        }
        ByteBuf data = Unpooled.buffer(1).writeByte(1);
        try {
            assertThrows(IllegalArgumentException.class, () -> Frames.udp(ALLOC,
                    Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_ICMP), new UdpHeader(1, 2), data, 0, 1));
        } finally {
            data.release();
        }
    }

    @Test
    void rejectsHeadersThatAnnounceAnotherProtocol() {
        ByteBuf data = Unpooled.buffer(1).writeByte(1);
        try {
            Ipv4Header icmp = Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_ICMP);
            Ipv4Header udp = Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP);
            assertThrows(IllegalArgumentException.class,
                    () -> Frames.udp(ALLOC, icmp, new UdpHeader(1, 2), data, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> Frames.icmpEcho(ALLOC, udp,
                    new Icmpv4EchoHeader(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1), data, 0, 1));
        } finally {
            data.release();
        }
    }

    @Test
    void buildsIpPacketsAfterTheLinkHeadroomAndFramesThemInPlace() {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        ByteBuf packet = Frames.udp(ALLOC, Ipv4Header.of(HOST_IP, KERNEL_IP, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(7, 40000), data, 0, 3);
        try {
            assertEquals(Frames.LINK_HEADROOM, packet.readerIndex());
            assertEquals(20 + 8 + 3, packet.readableBytes());
            Ipv4Packet ipv4 = Ipv4Packet.parse(packet);
            assertTrue(UdpDatagram.parse(ipv4).isChecksumValid(ipv4));
            int capacity = packet.capacity();

            ByteBuf frame = new EthernetHeader(KERNEL_MAC, HOST_MAC, EthernetFrame.ETHERTYPE_IPV4).prependTo(packet);
            assertSame(packet, frame, "framed in place");
            assertEquals(0, frame.readerIndex());
            assertEquals(capacity, frame.capacity());
            EthernetFrame ethernet = EthernetFrame.parse(frame);
            assertEquals(KERNEL_MAC, ethernet.destination());
            assertEquals(HOST_MAC, ethernet.source());
            assertEquals(EthernetFrame.ETHERTYPE_IPV4, ethernet.etherType());
            assertEquals(ipv4.length(), ethernet.payloadLength());
            assertThrows(IndexOutOfBoundsException.class, () -> TO_HOST.prependTo(frame), "no headroom left");
        } finally {
            packet.release();
            data.release();
        }
    }

    @Test
    void headerRecordsRejectFieldsTooWideForTheWire() {
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Header(KERNEL_IP, HOST_IP, 256, 64));
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Header(KERNEL_IP, HOST_IP, 17, -1));
        assertThrows(IllegalArgumentException.class, () -> new UdpHeader(0x10000, 7));
        assertThrows(IllegalArgumentException.class, () -> new Icmpv4EchoHeader(3, 1, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Icmpv4EchoHeader(Icmpv4Packet.TYPE_ECHO_REPLY, 1, 0x10000));
        assertThrows(IllegalArgumentException.class, () -> new ArpHeader(ArpPacket.OPER_REQUEST, -1, 0, 0, 0));
    }
}
