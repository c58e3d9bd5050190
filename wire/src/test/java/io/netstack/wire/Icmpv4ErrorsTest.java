package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST_RECORD_ROUTE;
import static io.netstack.wire.testing.CapturedFrames.UDP_HELLO;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds ICMP errors about captured and built datagrams, then reads them back with the views. */
class Icmpv4ErrorsTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final int KERNEL_IP = 0xc0000201;
    private static final int HOST_IP = 0xc0000202;
    private static final int ROUTER_IP = 0xc6336401;
    private static final int ETHERNET = EthernetFrame.HEADER_LENGTH;

    /**
     * The port unreachable for {@code UDP_HELLO}, worked out apart from the code under test: IPv4 header (total
     * length 61, DF, TTL 64, protocol 1, from 192.0.2.2 to 192.0.2.1), then type 3, code 3, checksum 0x811f, four
     * unused bytes and the whole 33-byte datagram as the kernel sent it.
     */
    private static final String PORT_UNREACHABLE =
            "4500003d000040004001b6bcc0000202c0000201" + "0303811f00000000"
                    + "45000021fbca40004011bafdc0000201c00002029c400007000d9bb668656c6c6f";

    @Test
    void buildsThePortUnreachableForADatagramByteForByte() {
        ByteBuf frame = wrap(UDP_HELLO);
        ByteBuf packet = Icmpv4Errors.portUnreachable(ALLOC, ipv4Of(frame));
        try {
            assertEquals(Frames.LINK_HEADROOM, packet.readerIndex(), "room to prepend Ethernet in place");
            assertEquals(PORT_UNREACHABLE, ByteBufUtil.hexDump(packet));
        } finally {
            packet.release();
            frame.release();
        }
    }

    @Test
    void thePortUnreachableReadsBackAsAnErrorQuotingTheDatagram() {
        ByteBuf frame = wrap(UDP_HELLO);
        Ipv4Packet invoking = ipv4Of(frame);
        ByteBuf packet = Icmpv4Errors.portUnreachable(ALLOC, invoking);
        try {
            Ipv4Packet ip = Ipv4Packet.parse(packet);
            assertTrue(ip.isChecksumValid());
            assertEquals(HOST_IP, ip.source());
            assertEquals(KERNEL_IP, ip.destination());
            assertEquals(Ipv4Packet.PROTOCOL_ICMP, ip.protocol());
            Icmpv4Packet icmp = Icmpv4Packet.parse(ip.payload());
            assertTrue(icmp.isChecksumValid());
            assertTrue(icmp.isError());
            assertEquals(Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, icmp.type());
            assertEquals(Icmpv4Packet.CODE_PORT_UNREACHABLE, icmp.code());
            assertEquals(invoking.length(), icmp.originalDatagramLength());
            assertEquals(frame.slice(invoking.offset(), invoking.length()),
                    icmp.buffer().slice(icmp.originalDatagramOffset(), icmp.originalDatagramLength()));
        } finally {
            packet.release();
            frame.release();
        }
    }

    @Test
    void quotesAsMuchOfALargeDatagramAsFitsIn576Bytes() {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[1000]);
        ByteBuf datagram = Frames.udp(ALLOC, Ipv4Header.of(KERNEL_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP),
                new UdpHeader(1, 2), data, 0, 1000);
        Ipv4Packet invoking = Ipv4Packet.parse(datagram);
        ByteBuf packet = Icmpv4Errors.portUnreachable(ALLOC, invoking);
        try {
            assertEquals(Icmpv4Errors.MAX_LENGTH, packet.readableBytes());
            Ipv4Packet ip = Ipv4Packet.parse(packet);
            assertEquals(Icmpv4Errors.MAX_LENGTH, ip.totalLength());
            Icmpv4Packet icmp = Icmpv4Packet.parse(ip.payload());
            assertTrue(icmp.isChecksumValid());
            assertEquals(Icmpv4Packet.CODE_PORT_UNREACHABLE, icmp.code());
            assertEquals(548, icmp.originalDatagramLength());
            assertEquals(datagram.slice(datagram.readerIndex(), 548),
                    icmp.buffer().slice(icmp.originalDatagramOffset(), icmp.originalDatagramLength()));
        } finally {
            packet.release();
            datagram.release();
            data.release();
        }
    }

    @Test
    void quotesAHeaderWithOptionsWhole() {
        ByteBuf frame = wrap(ECHO_REQUEST_RECORD_ROUTE);
        Ipv4Packet invoking = ipv4Of(frame);
        ByteBuf packet = Icmpv4Errors.protocolUnreachable(ALLOC, invoking);
        try {
            Icmpv4Packet icmp = Icmpv4Packet.parse(Ipv4Packet.parse(packet).payload());
            assertEquals(Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE, icmp.code());
            assertEquals(60, invoking.headerLength());
            assertEquals(invoking.length(), icmp.originalDatagramLength());
            assertEquals(frame.slice(ETHERNET, invoking.length()),
                    icmp.buffer().slice(icmp.originalDatagramOffset(), icmp.originalDatagramLength()));
        } finally {
            packet.release();
            frame.release();
        }
    }

    @Test
    void buildsTheOtherErrorsWithTheirRestOfHeader() {
        ByteBuf frame = wrap(UDP_HELLO);
        Ipv4Packet invoking = ipv4Of(frame);
        Icmpv4ErrorHeader[] headers = {
            Icmpv4ErrorHeader.timeExceeded(Icmpv4Packet.CODE_TTL_EXCEEDED_IN_TRANSIT),
            Icmpv4ErrorHeader.parameterProblem(9),
            Icmpv4ErrorHeader.fragmentationNeeded(1280),
            Icmpv4ErrorHeader.destinationUnreachable(Icmpv4Packet.CODE_HOST_UNREACHABLE)};
        try {
            for (Icmpv4ErrorHeader header : headers) {
                ByteBuf packet = Icmpv4Errors.error(ALLOC, ROUTER_IP, header, invoking);
                try {
                    Ipv4Packet ip = Ipv4Packet.parse(packet);
                    assertEquals(ROUTER_IP, ip.source());
                    assertEquals(KERNEL_IP, ip.destination());
                    Icmpv4Packet icmp = Icmpv4Packet.parse(ip.payload());
                    assertTrue(icmp.isChecksumValid(), header::toString);
                    assertEquals(header.type(), icmp.type());
                    assertEquals(header.code(), icmp.code());
                    assertEquals(header.restOfHeader(), icmp.buffer().getInt(icmp.offset() + 4));
                } finally {
                    packet.release();
                }
            }
            assertEquals(Icmpv4Packet.TYPE_PARAMETER_PROBLEM, headers[1].type());
            assertEquals(9 << 24, headers[1].restOfHeader(), "the pointer is the first byte after the checksum");
            assertEquals(1280, headers[2].restOfHeader(), "the next-hop MTU is the last two bytes");
        } finally {
            frame.release();
        }
    }

    @Test
    void readsThePointerGatewayAndNextHopMtuOfErrors() {
        ByteBuf message = Unpooled.wrappedBuffer(new byte[] {12, 0, 0, 0, 9, 0, 5, 0});
        try {
            Icmpv4Packet icmp = Icmpv4Packet.parse(message);
            assertEquals(9, icmp.pointer());
            assertEquals(0x09000500, icmp.gatewayInternetAddress());
            assertEquals(0x0500, icmp.nextHopMtu());
            assertEquals(0, icmp.originalDatagramLength());
        } finally {
            message.release();
        }
    }

    @Test
    void countsEveryTypeButTheQueriesAndRepliesAsErrorsAsLinuxDoes() {
        for (int type : new int[] {0, 8, 13, 14, 15, 16, 17, 18}) {
            assertFalse(Icmpv4Packet.isErrorType(type), "type " + type);
        }
        for (int type : new int[] {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 19, 31, 32, 40, 255}) {
            assertTrue(Icmpv4Packet.isErrorType(type), "type " + type);
        }
    }

    @Test
    void rejectsHeadersThatAreNotErrors() {
        assertThrows(IllegalArgumentException.class, () -> new Icmpv4ErrorHeader(Icmpv4Packet.TYPE_ECHO_REQUEST, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Icmpv4ErrorHeader(256, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Icmpv4ErrorHeader(3, 256, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Icmpv4ErrorHeader.destinationUnreachable(Icmpv4Packet.CODE_FRAGMENTATION_NEEDED));
        assertThrows(IllegalArgumentException.class, () -> Icmpv4ErrorHeader.destinationUnreachable(16));
        assertThrows(IllegalArgumentException.class, () -> Icmpv4ErrorHeader.timeExceeded(2));
        assertThrows(IllegalArgumentException.class, () -> Icmpv4ErrorHeader.parameterProblem(256));
        assertThrows(IllegalArgumentException.class, () -> Icmpv4ErrorHeader.fragmentationNeeded(65536));
    }

    private static Ipv4Packet ipv4Of(ByteBuf frame) {
        Ipv4Packet ip = new Ipv4Packet();
        assertTrue(ip.wrap(frame, ETHERNET, frame.readableBytes() - ETHERNET));
        return ip;
    }
}
