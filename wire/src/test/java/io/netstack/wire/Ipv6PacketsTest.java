package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Builds IPv6 packets and compares them with what the kernel sent for the same message: byte for byte where the
 * kernel's choices are this library's, from the payload length on where the kernel set a flow label.
 */
class Ipv6PacketsTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long KERNEL_MAC = 0x02005e100001L;
    private static final Ipv6Address KERNEL = Ipv6Address.parse("2001:db8::1");
    private static final Ipv6Address NEIGHBOR = Ipv6Address.parse("2001:db8::2");
    private static final int IP = EthernetFrame.HEADER_LENGTH;
    /** The version, traffic class and flow label word, where the kernel's packets have a random flow label. */
    private static final int FLOW_LABEL_WORD = 4;

    /** The IPv6 packet of a captured frame, from {@code from} bytes into it, in hex. */
    private static String capturedPacket(byte[] frame, int from) {
        return HexFormat.of().formatHex(frame, IP + from, frame.length);
    }

    /** The built packet from {@code from} bytes into it, in hex; checks where it starts in its buffer. */
    private static String builtPacket(ByteBuf packet, int from) {
        assertEquals(Frames.LINK_HEADROOM, packet.readerIndex(), "room for an Ethernet header before the packet");
        return ByteBufUtil.hexDump(packet, packet.readerIndex() + from, packet.readableBytes() - from);
    }

    @Test
    void buildsTheKernelsNeighborSolicitationByteForByte() {
        ByteBuf packet = Ipv6Packets.neighborSolicitation(ALLOC, KERNEL, NEIGHBOR.solicitedNodeMulticast(), NEIGHBOR,
                KERNEL_MAC);
        try {
            assertEquals(capturedPacket(CapturedIpv6Frames.NEIGHBOR_SOLICITATION, 0), builtPacket(packet, 0));
        } finally {
            packet.release();
        }
    }

    @Test
    void buildsTheKernelsNeighborAdvertisementByteForByte() {
        ByteBuf packet = Ipv6Packets.neighborAdvertisement(ALLOC, KERNEL, NEIGHBOR,
                NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE, KERNEL, KERNEL_MAC);
        try {
            assertEquals(capturedPacket(CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT, 0), builtPacket(packet, 0));
        } finally {
            packet.release();
        }
    }

    /** The same advertisement, answering the captured solicitation in place of records of its addresses. */
    @Test
    void answersTheKernelsSolicitationAsTheKernelAnswersOne() {
        ByteBuf solicitation = CapturedFrames.pooled(CapturedIpv6Frames.NEIGHBOR_SOLICITATION);
        Ipv6Packet ip = new Ipv6Packet();
        assertTrue(ip.wrap(solicitation, IP, solicitation.readableBytes() - IP));
        ByteBuf answer = Ipv6Packets.solicitedNeighborAdvertisement(ALLOC, ip, NEIGHBOR, 0x02005e100002L);
        ByteBuf expected = Ipv6Packets.neighborAdvertisement(ALLOC, NEIGHBOR, KERNEL,
                NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE, NEIGHBOR,
                0x02005e100002L);
        try {
            assertEquals(builtPacket(expected, 0), builtPacket(answer, 0));
            solicitation.setByte(ip.sourceOffset(), 0xff);
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.solicitedNeighborAdvertisement(ALLOC, ip,
                    NEIGHBOR, 0x02005e100002L), "no solicited advertisement to a multicast source");
        } finally {
            answer.release();
            expected.release();
            solicitation.release();
        }
    }

    @Test
    void buildsTheKernelsDuplicateAddressDetectionWithoutItsNonce() {
        ByteBuf packet = Ipv6Packets.duplicateAddressDetection(ALLOC, KERNEL);
        try {
            // The kernel adds an 8-byte nonce option (RFC 7527), so the payload length differs, and the checksum.
            String kernels = capturedPacket(CapturedIpv6Frames.DAD_SOLICITATION, 0);
            String built = builtPacket(packet, 0);
            assertEquals(kernels.substring(0, 8) + "0018" + kernels.substring(12, 2 * 42), built.substring(0, 2 * 42));
            assertEquals(kernels.substring(2 * 44, 2 * 64), built.substring(2 * 44));
            Ipv6Packet ip = Ipv6Packet.parse(packet);
            NeighborDiscoveryMessage ndp = NeighborDiscoveryMessage.parse(ip.payload());
            assertNull(ndp.ipHeaderError(ip));
            assertTrue(Icmpv6Packet.parse(ip.payload()).isChecksumValid(ip));
            assertEquals(NeighborDiscoveryMessage.NONE, ndp.sourceLinkLayerAddress());
        } finally {
            packet.release();
        }
    }

    @Test
    void buildsLinkLayerOptionsOnlyForAMac() {
        ByteBuf packet = Ipv6Packets.neighborAdvertisement(ALLOC, KERNEL, Ipv6Address.ALL_NODES,
                NeighborDiscoveryMessage.FLAG_OVERRIDE, KERNEL, NeighborDiscoveryMessage.NONE);
        try {
            Ipv6Packet ip = Ipv6Packet.parse(packet);
            assertEquals(NeighborDiscoveryMessage.HEADER_LENGTH, ip.payloadLength());
            NeighborDiscoveryMessage ndp = NeighborDiscoveryMessage.parse(ip.payload());
            assertNull(ndp.ipHeaderError(ip));
            assertEquals(NeighborDiscoveryMessage.NONE, ndp.targetLinkLayerAddress());
            assertTrue(Icmpv6Packet.parse(ip.payload()).isChecksumValid(ip));
        } finally {
            packet.release();
        }
    }

    @Test
    void buildsTheEchoReplyToTheKernelsRequest() {
        ByteBuf request = CapturedFrames.pooled(CapturedIpv6Frames.ECHO_REQUEST);
        Ipv6Packet ip = new Ipv6Packet();
        Icmpv6Packet echo = new Icmpv6Packet();
        assertTrue(ip.wrap(request, IP, request.readableBytes() - IP));
        assertTrue(echo.wrap(request, ip.payloadOffset(), ip.payloadLength()));
        ByteBuf reply = Ipv6Packets.echoReply(ALLOC, Ipv6Header.replyTo(ip, Ipv6Packet.PROTOCOL_ICMPV6), echo);
        ByteBuf inPlace = Ipv6Packets.echoReply(ALLOC, ip, echo);
        try {
            assertEquals(builtPacket(reply, 0), builtPacket(inPlace, 0), "the same reply, addresses copied in place");
            Ipv6Packet replyIp = Ipv6Packet.parse(reply);
            assertTrue(NEIGHBOR.matches(reply, replyIp.sourceOffset()));
            assertTrue(KERNEL.matches(reply, replyIp.destinationOffset()));
            assertEquals(Ipv6Packet.DEFAULT_HOP_LIMIT, replyIp.hopLimit());
            assertEquals(ip.payloadLength(), replyIp.payloadLength());
            Icmpv6Packet replyEcho = Icmpv6Packet.parse(replyIp.payload());
            assertTrue(replyEcho.isChecksumValid(replyIp));
            assertTrue(replyEcho.isEchoReply());
            assertEquals(0x1234, replyEcho.identifier());
            assertEquals(1, replyEcho.sequenceNumber());
            assertEquals(echo.payload(), replyEcho.payload());
            // Only the type grows, by 1 in the high byte, and the pseudo-header is symmetric (RFC 1624).
            assertEquals(echo.checksum() - 0x0100, replyEcho.checksum());
        } finally {
            inPlace.release();
            reply.release();
            request.release();
        }
    }

    @Test
    void buildsTheKernelsUdpDatagram() {
        ByteBuf data = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        ByteBuf packet = Ipv6Packets.udp(ALLOC, Ipv6Header.of(KERNEL, NEIGHBOR, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(40000, 7), data, 0, data.readableBytes());
        try {
            assertEquals(capturedPacket(CapturedIpv6Frames.UDP_HELLO, FLOW_LABEL_WORD),
                    builtPacket(packet, FLOW_LABEL_WORD));
        } finally {
            packet.release();
            data.release();
        }
    }

    @Test
    void buildsTheKernelsUdpDatagramFromItsFields() {
        ByteBuf data = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        ByteBuf packet = Ipv6Packets.udpDatagram(ALLOC, KERNEL.high(), KERNEL.low(), 40000, NEIGHBOR.high(),
                NEIGHBOR.low(), 7, data, 0, data.readableBytes());
        try {
            assertEquals(capturedPacket(CapturedIpv6Frames.UDP_HELLO, FLOW_LABEL_WORD),
                    builtPacket(packet, FLOW_LABEL_WORD));
            Ipv6Packet ip = Ipv6Packet.parse(packet);
            UdpDatagram udp = UdpDatagram.parse(ip);
            assertEquals(Ipv4Packet.PROTOCOL_UDP, ip.nextHeader());
            assertEquals(Ipv6Packet.DEFAULT_HOP_LIMIT, ip.hopLimit());
            assertTrue(KERNEL.matches(packet, ip.sourceOffset()));
            assertTrue(NEIGHBOR.matches(packet, ip.destinationOffset()));
            assertEquals(40000, udp.sourcePort());
            assertEquals(7, udp.destinationPort());
            assertEquals(UdpDatagram.HEADER_LENGTH + 5, udp.lengthField());
            assertTrue(udp.isChecksumValid(ip), "checksum over the IPv6 pseudo-header");
            assertEquals("hello", udp.payload().toString(StandardCharsets.US_ASCII));
        } finally {
            packet.release();
            data.release();
        }
    }

    @Test
    void checksACallersDatagramFieldsBeforeAllocating() {
        ByteBuf data = Unpooled.buffer(4).writeInt(0);
        ByteBuf tooLong = Unpooled.wrappedBuffer(new byte[0xffff - UdpDatagram.HEADER_LENGTH + 1]);
        try {
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.udpDatagram(ALLOC, KERNEL.high(),
                    KERNEL.low(), 0x10000, NEIGHBOR.high(), NEIGHBOR.low(), 7, data, 0, 4));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.udpDatagram(ALLOC, KERNEL.high(),
                    KERNEL.low(), 40000, NEIGHBOR.high(), NEIGHBOR.low(), -1, data, 0, 4));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.udpDatagram(ALLOC, KERNEL.high(),
                    KERNEL.low(), 40000, NEIGHBOR.high(), NEIGHBOR.low(), 7, tooLong, 0, tooLong.capacity()));
            assertThrows(IndexOutOfBoundsException.class, () -> Ipv6Packets.udpDatagram(ALLOC, KERNEL.high(),
                    KERNEL.low(), 40000, NEIGHBOR.high(), NEIGHBOR.low(), 7, data, 2, 4));
        } finally {
            tooLong.release();
            data.release();
        }
    }

    @Test
    void sendsAComputedZeroUdpChecksumAsAllOnes() {
        ByteBuf data = Unpooled.buffer(2).writeShort(0);
        Ipv6Header header = Ipv6Header.of(KERNEL, NEIGHBOR, Ipv4Packet.PROTOCOL_UDP);
        try {
            ByteBuf first = Ipv6Packets.udp(ALLOC, header, new UdpHeader(1, 2), data, 0, 2);
            int checksum = first.getUnsignedShort(first.readerIndex() + Ipv6Packet.HEADER_LENGTH + 6);
            first.release();
            data.setShort(0, checksum); // adding the old checksum as data makes the new sum all ones
            ByteBuf packet = Ipv6Packets.udp(ALLOC, header, new UdpHeader(1, 2), data, 0, 2);
            try {
                Ipv6Packet ip = Ipv6Packet.parse(packet);
                UdpDatagram udp = UdpDatagram.parse(ip);
                assertEquals(0xffff, udp.checksum());
                assertTrue(udp.isChecksumValid(ip));
            } finally {
                packet.release();
            }
        } finally {
            data.release();
        }
    }

    /** Wraps the packet a captured ICMPv6 error quotes, as the host would have received it. */
    private static Ipv6Packet quoted(ByteBuf frame) {
        Ipv6Packet quoted = new Ipv6Packet();
        int at = IP + Ipv6Packet.HEADER_LENGTH + Icmpv6Packet.HEADER_LENGTH;
        assertTrue(quoted.wrap(frame, at, frame.readableBytes() - at));
        return quoted;
    }

    @Test
    void buildsTheKernelsPortUnreachable() {
        ByteBuf frame = CapturedFrames.pooled(CapturedIpv6Frames.PORT_UNREACHABLE);
        ByteBuf packet = Ipv6Packets.destinationUnreachable(ALLOC, KERNEL, Icmpv6Packet.CODE_PORT_UNREACHABLE,
                quoted(frame));
        try {
            assertEquals(capturedPacket(CapturedIpv6Frames.PORT_UNREACHABLE, FLOW_LABEL_WORD),
                    builtPacket(packet, FLOW_LABEL_WORD));
        } finally {
            packet.release();
            frame.release();
        }
    }

    @Test
    void buildsTheKernelsParameterProblem() {
        ByteBuf frame = CapturedFrames.pooled(CapturedIpv6Frames.PARAMETER_PROBLEM);
        Ipv6Packet invoking = quoted(frame);
        Ipv6ExtensionHeaders headers = new Ipv6ExtensionHeaders();
        assertEquals(Ipv6ExtensionHeaders.Verdict.PARAMETER_PROBLEM, headers.walk(invoking));
        ByteBuf packet = Ipv6Packets.parameterProblem(ALLOC, KERNEL, headers.parameterProblemCode(),
                headers.parameterProblemPointer(), invoking);
        try {
            assertEquals(capturedPacket(CapturedIpv6Frames.PARAMETER_PROBLEM, FLOW_LABEL_WORD),
                    builtPacket(packet, FLOW_LABEL_WORD));
        } finally {
            packet.release();
            frame.release();
        }
    }

    @Test
    void quotesNoMoreThanFitsInTheMinimumMtu() {
        ByteBuf data = Unpooled.buffer(1452).writeZero(1452);
        ByteBuf invoking = Ipv6Packets.udp(ALLOC, Ipv6Header.of(NEIGHBOR, KERNEL, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(1, 9), data, 0, 1452);
        try {
            Ipv6Packet ip = Ipv6Packet.parse(invoking);
            assertEquals(1500, ip.length());
            ByteBuf error = Ipv6Packets.destinationUnreachable(ALLOC, KERNEL, Icmpv6Packet.CODE_PORT_UNREACHABLE, ip);
            try {
                assertEquals(Ipv6Packet.MIN_MTU, error.readableBytes());
                Ipv6Packet errorIp = Ipv6Packet.parse(error);
                Icmpv6Packet icmp = Icmpv6Packet.parse(errorIp.payload());
                assertTrue(icmp.isChecksumValid(errorIp));
                assertEquals(Ipv6Packets.MAX_ERROR_QUOTE, icmp.invokingPacketLength());
                assertTrue(ByteBufUtil.equals(invoking, invoking.readerIndex(), icmp.buffer(), icmp.invokingPacketOffset(),
                        Ipv6Packets.MAX_ERROR_QUOTE));
            } finally {
                error.release();
            }
        } finally {
            invoking.release();
            data.release();
        }
    }

    @Test
    void rejectsArgumentsBeforeAllocating() {
        ByteBuf data = Unpooled.buffer(4).writeZero(4);
        try {
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.neighborSolicitation(ALLOC,
                    Ipv6Address.UNSPECIFIED, KERNEL.solicitedNodeMulticast(), KERNEL, KERNEL_MAC));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.neighborSolicitation(ALLOC, KERNEL,
                    NEIGHBOR, Ipv6Address.ALL_NODES, KERNEL_MAC));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.neighborSolicitation(ALLOC, KERNEL,
                    NEIGHBOR, NEIGHBOR, 1L << 48));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.neighborAdvertisement(ALLOC, KERNEL,
                    Ipv6Address.ALL_NODES, NeighborDiscoveryMessage.FLAG_SOLICITED, KERNEL, KERNEL_MAC));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.neighborAdvertisement(ALLOC, KERNEL,
                    NEIGHBOR, 1, KERNEL, KERNEL_MAC));
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.udp(ALLOC,
                    Ipv6Header.of(KERNEL, NEIGHBOR, Ipv6Packet.PROTOCOL_ICMPV6), new UdpHeader(1, 2), data, 0, 4));
            ByteBuf tooLong = Unpooled.wrappedBuffer(new byte[0xffff - UdpDatagram.HEADER_LENGTH + 1]);
            assertThrows(IllegalArgumentException.class, () -> Ipv6Packets.udp(ALLOC,
                    Ipv6Header.of(KERNEL, NEIGHBOR, Ipv4Packet.PROTOCOL_UDP), new UdpHeader(1, 2), tooLong, 0,
                    tooLong.capacity()));
            tooLong.release();
            assertThrows(IndexOutOfBoundsException.class, () -> Ipv6Packets.udp(ALLOC,
                    Ipv6Header.of(KERNEL, NEIGHBOR, Ipv4Packet.PROTOCOL_UDP), new UdpHeader(1, 2), data, 2, 4));
            assertThrows(IllegalArgumentException.class, () -> new Ipv6Header(KERNEL, NEIGHBOR, 256, 64));
            assertThrows(IllegalArgumentException.class, () -> new Ipv6Header(KERNEL, NEIGHBOR, 17, -1));
        } finally {
            data.release();
        }
    }
}
