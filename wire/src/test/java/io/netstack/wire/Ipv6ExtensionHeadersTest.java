package io.netstack.wire;

import io.netstack.wire.Ipv6ExtensionHeaders.Verdict;
import io.netstack.wire.testing.CapturedIpv6Frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The walk of RFC 8200 section 4 over packets whose extension headers are spelt out byte by byte. */
class Ipv6ExtensionHeadersTest {
    private static final Ipv6Address SOURCE = Ipv6Address.parse("2001:db8::2");
    private static final Ipv6Address UNICAST = Ipv6Address.parse("2001:db8::1");
    private static final int UDP = Ipv4Packet.PROTOCOL_UDP;
    /** Eight bytes of UDP header, as the upper layer after the extension headers. */
    private static final String UDP_HEADER = "9c4100090008" + "0000";

    private final Ipv6Packet packet = new Ipv6Packet();
    private final Ipv6ExtensionHeaders headers = new Ipv6ExtensionHeaders();
    private ByteBuf buf;

    @AfterEach
    void release() {
        if (buf != null) {
            buf.release();
        }
    }

    /** Walks a packet to {@code destination} whose first Next Header and payload are given. */
    private Verdict walk(Ipv6Address destination, int nextHeader, String payloadHex) {
        byte[] payload = HexFormat.of().parseHex(payloadHex);
        buf = Unpooled.buffer();
        buf.writeZero(5); // not at index 0, so that pointers must be made relative to the IPv6 header
        buf.readerIndex(5);
        new Ipv6Header(SOURCE, destination, nextHeader, 64).write(buf, payload.length);
        buf.writeBytes(payload);
        assertTrue(packet.wrap(buf));
        return headers.walk(packet);
    }

    private Verdict walk(int nextHeader, String payloadHex) {
        return walk(UNICAST, nextHeader, payloadHex);
    }

    /** Checks a walk to {@code protocol} at {@code offset} bytes after the fixed header. */
    private void assertUpperLayer(int protocol, int offset, int nextHeaderPointer) {
        assertEquals(Verdict.UPPER_LAYER, headers.verdict());
        assertNull(headers.error());
        assertEquals(protocol, headers.upperLayerProtocol());
        assertEquals(packet.payloadOffset() + offset, headers.upperLayerOffset());
        assertEquals(packet.payloadLength() - offset, headers.upperLayerLength());
        assertEquals(nextHeaderPointer, headers.nextHeaderPointer());
    }

    private void assertParameterProblem(DecodeError error, int code, int pointer) {
        assertEquals(Verdict.PARAMETER_PROBLEM, headers.verdict());
        assertEquals(error, headers.error());
        assertEquals(code, headers.parameterProblemCode());
        assertEquals(pointer, headers.parameterProblemPointer());
    }

    private void assertDiscard(DecodeError error) {
        assertEquals(Verdict.DISCARD, headers.verdict());
        assertEquals(error, headers.error());
    }

    @Test
    void findsTheUpperLayerRightAfterTheFixedHeader() {
        ByteBuf frame = Unpooled.wrappedBuffer(CapturedIpv6Frames.UDP_HELLO);
        try {
            assertTrue(packet.wrap(frame, EthernetFrame.HEADER_LENGTH, frame.capacity() - EthernetFrame.HEADER_LENGTH));
            assertEquals(Verdict.UPPER_LAYER, headers.walk(packet));
            assertEquals(UDP, headers.upperLayerProtocol());
            assertEquals(packet.payloadOffset(), headers.upperLayerOffset());
            assertEquals(packet.payloadLength(), headers.upperLayerLength());
            assertEquals(6, headers.nextHeaderPointer());
            UdpDatagram udp = new UdpDatagram();
            assertTrue(headers.wrapUpperLayer(udp));
            assertTrue(udp.isChecksumValid(packet));
        } finally {
            frame.release();
        }
    }

    @Test
    void skipsPaddingAndOptionsToSkipInEveryOptionsHeader() {
        // Hop-by-Hop: Pad1, Pad1, PadN of 2, Router Alert (type 5, action 00: skip). Destination Options: PadN of 4.
        walk(Ipv6ExtensionHeaders.HOP_BY_HOP, "3c01" + "0000" + "01020000" + "05020000" + "01020000"
                + "1100" + "01040000" + "0000" + UDP_HEADER);
        assertUpperLayer(UDP, 24, 40 + 16);
    }

    @Test
    void skipsARoutingHeaderWithNoSegmentsLeftWhateverItsType() {
        walk(Ipv6ExtensionHeaders.ROUTING, "1100" + "fe00" + "00000000" + UDP_HEADER);
        assertUpperLayer(UDP, 8, 40);
    }

    @Test
    void reportsARoutingHeaderWithSegmentsLeftAtItsRoutingType() {
        walk(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, "2b00" + "01040000" + "0000" + "1104" + "0401" + "00000000"
                + "20010db8000000000000000000000003" + "20010db8000000000000000000000004" + UDP_HEADER);
        assertParameterProblem(DecodeError.IPV6_ROUTING_SEGMENTS_LEFT, Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD,
                40 + 8 + 2);
    }

    @Test
    void processesAnAtomicFragmentAsTheWholePacket() {
        walk(Ipv6ExtensionHeaders.FRAGMENT, "1100" + "0000" + "12345678" + UDP_HEADER);
        assertUpperLayer(UDP, 8, 40);
    }

    @ParameterizedTest
    @CsvSource({"0001, 0, true", "0021, 32, true", "0020, 32, false"})
    void reportsOtherFragments(String offsetAndFlags, int offset, boolean more) {
        assertEquals(Verdict.FRAGMENT,
                walk(Ipv6ExtensionHeaders.FRAGMENT, "1100" + offsetAndFlags + "12345678" + UDP_HEADER));
        assertEquals(DecodeError.IPV6_FRAGMENT, headers.error());
        assertEquals(offset, headers.fragmentOffset());
        assertEquals(more, headers.moreFragments());
        assertEquals(0x12345678L, headers.identification());
        assertEquals(UDP, headers.upperLayerProtocol());
        assertEquals(packet.offset() + 48, headers.upperLayerOffset());
    }

    @Test
    void stopsAtNoNextHeader() {
        assertEquals(Verdict.NO_NEXT_HEADER, walk(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, "3b00" + "01040000"
                + "0000" + "ffffffff"));
        assertEquals(DecodeError.IPV6_NO_NEXT_HEADER, headers.error());
    }

    @Test
    void reportsAHopByHopHeaderAfterTheFirstAtTheNextHeaderFieldNamingIt() {
        walk(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, "0000" + "01040000" + "0000" + "1100" + "01040000" + "0000"
                + UDP_HEADER);
        assertParameterProblem(DecodeError.IPV6_HOP_BY_HOP_NOT_FIRST, Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER,
                40);
    }

    /** The four actions of an unrecognized option's two high bits (RFC 8200 section 4.2). */
    @ParameterizedTest
    @CsvSource({
            "3e, 2001:db8::1, UPPER_LAYER",
            "7e, 2001:db8::1, DISCARD",
            "be, 2001:db8::1, PARAMETER_PROBLEM",
            "be, ff02::1, PARAMETER_PROBLEM",
            "fe, 2001:db8::1, PARAMETER_PROBLEM",
            "fe, ff02::1, DISCARD"})
    void actsOnUnrecognizedOptionsAsTheirTypeSays(String type, String destination, Verdict verdict) {
        walk(Ipv6Address.parse(destination), Ipv6ExtensionHeaders.DESTINATION_OPTIONS,
                "1100" + "0100" + type + "00" + "0000" + UDP_HEADER);
        switch (verdict) {
            case UPPER_LAYER -> assertUpperLayer(UDP, 8, 40);
            case DISCARD -> assertDiscard(DecodeError.IPV6_UNRECOGNIZED_OPTION);
            default -> assertParameterProblem(DecodeError.IPV6_UNRECOGNIZED_OPTION,
                    Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, 40 + 4);
        }
    }

    @Test
    void pointsAtTheSameOptionAsTheKernel() {
        // The packet the kernel answered with CapturedIpv6Frames.PARAMETER_PROBLEM: code 2, pointer 42.
        walk(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, "3b00800200000100");
        assertParameterProblem(DecodeError.IPV6_UNRECOGNIZED_OPTION, Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, 42);
    }

    @Test
    void namesTheNextHeaderFieldOfAnUnknownUpperLayer() {
        walk(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, "fd00" + "01040000" + "0000" + "00000000");
        assertUpperLayer(253, 8, 40);
    }

    @ParameterizedTest
    @CsvSource({
            "0, ''",
            "0, 1100010400",
            "60, 1101010400000000",
            "60, 1100" + "01050000" + "0000",
            "60, 1100" + "00000000" + "0005",
            "60, 1100" + "0000000000" + "01",
            "43, 11000000",
            "44, 11000001123456"})
    void discardsHeadersAndOptionsRunningPastThePayload(int nextHeader, String payload) {
        walk(nextHeader, payload);
        assertDiscard(DecodeError.IPV6_EXTENSION_HEADER_TRUNCATED);
    }

    @Test
    void givesTheUpperLayerLengthForThePseudoHeader() {
        // An echo request behind a Destination Options header: its checksum covers 8 bytes, not the payload's 16.
        ByteBuf message = Unpooled.buffer(8);
        try {
            message.writeBytes(HexFormat.of().parseHex("8000000012340001"));
            long pseudo = wordSum(SOURCE.octets()) + wordSum(UNICAST.octets()) + Ipv6Packet.PROTOCOL_ICMPV6 + 8;
            message.setShort(2, InternetChecksum.finish(InternetChecksum.sum(message, 0, 8, pseudo)));
            walk(Ipv6ExtensionHeaders.DESTINATION_OPTIONS, "3a00" + "01040000" + "0000"
                    + HexFormat.of().formatHex(message.array(), 0, 8));
        } finally {
            message.release();
        }
        assertUpperLayer(Ipv6Packet.PROTOCOL_ICMPV6, 8, 40);
        Icmpv6Packet icmp = new Icmpv6Packet();
        assertTrue(headers.wrapUpperLayer(icmp));
        assertEquals(8, icmp.length());
        assertTrue(icmp.isChecksumValid(packet));
    }

    /** The sum of the 16-bit big-endian words of {@code bytes}, an even number of them. */
    static long wordSum(byte[] bytes) {
        long sum = 0;
        for (int i = 0; i < bytes.length; i += 2) {
            sum += (bytes[i] & 0xff) << 8 | bytes[i + 1] & 0xff;
        }
        return sum;
    }
}
