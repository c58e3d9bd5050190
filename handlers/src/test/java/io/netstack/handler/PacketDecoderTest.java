package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.OffloadFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one decoder of the host and the offload handlers, on both link layers and both IP versions. */
class PacketDecoderTest {

    @ParameterizedTest(name = "ethernet={0} ipv6={1}")
    @CsvSource({"true, false", "true, true", "false, false", "false, true"})
    void decodesTcpAndUdpOverEitherLinkAndEitherVersion(boolean ethernet, boolean ipv6) {
        OffloadFrames frames = OffloadFrames.of(ethernet, ipv6);
        PacketDecoder decoder = new PacketDecoder(ethernet ? LinkLayer.ETHERNET : LinkLayer.IP);
        ByteBuf tcp = frames.tcp(7, 1000, TcpSegment.ACK, new byte[100], false);
        ByteBuf udp = frames.udp(8, new byte[50], false);
        try {
            assertNull(decoder.decode(tcp));
            assertEquals(InboundFrame.Kind.TCP, decoder.kind());
            assertSame(ipv6 ? decoder.ipv6() : decoder.ipv4(), decoder.ip());
            assertEquals(frames.ipOffset(), decoder.ip().offset());
            assertEquals(frames.transportOffset(), decoder.tcp().offset());
            assertEquals(100, decoder.tcp().payloadLength());
            assertEquals(tcp.writerIndex(), decoder.ipEnd());
            assertNull(decoder.verifyChecksums());

            assertNull(decoder.decode(udp), "the same decoder, re-pointed");
            assertEquals(InboundFrame.Kind.UDP, decoder.kind());
            assertEquals(50, decoder.udp().payloadLength());
            assertNull(decoder.verifyChecksums());
        } finally {
            tcp.release();
            udp.release();
        }
    }

    @ParameterizedTest(name = "ipv6={0}")
    @CsvSource({"false", "true"})
    void verifiesChecksumsAsAStepOfItsOwn(boolean ipv6) {
        OffloadFrames frames = OffloadFrames.of(false, ipv6);
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf partial = frames.tcp(1, 1, TcpSegment.ACK, new byte[10], true);
        ByteBuf corrupted = frames.udp(1, new byte[10], false);
        corrupted.setByte(corrupted.writerIndex() - 1, 1);
        try {
            assertNull(decoder.decode(partial), "a partial checksum is no structural fault");
            assertEquals(DecodeError.TCP_BAD_CHECKSUM, decoder.verifyChecksums());
            assertNull(decoder.decode(corrupted));
            assertEquals(DecodeError.UDP_BAD_CHECKSUM, decoder.verifyChecksums());
            if (!ipv6) {
                corrupted.setByte(frames.ipOffset() + 8, 1); // TTL, under the header checksum
                assertNull(decoder.decode(corrupted));
                assertEquals(DecodeError.IPV4_BAD_CHECKSUM, decoder.verifyChecksums(), "the IP layer first");
            }
        } finally {
            partial.release();
            corrupted.release();
        }
    }

    @Test
    void decodesTheTransportHeaderWhereItIsToldTo() {
        OffloadFrames frames = OffloadFrames.of(true, false);
        PacketDecoder decoder = new PacketDecoder(LinkLayer.ETHERNET);
        ByteBuf frame = frames.udp(1, new byte[20], false);
        try {
            assertNull(decoder.decode(frame));
            // Eight bytes into the datagram, as csum_start past an extension header would point.
            assertEquals(DecodeError.UDP_BAD_LENGTH,
                    decoder.decodeTransport(Ipv4Packet.PROTOCOL_UDP, frames.transportOffset() + 8));
            assertNull(decoder.decodeTransport(Ipv4Packet.PROTOCOL_UDP, frames.transportOffset()));
            assertEquals(20, decoder.udp().payloadLength());
        } finally {
            frame.release();
        }
    }

    @Test
    void classifiesWhatItDoesNotDecodeFurther() {
        PacketDecoder tun = new PacketDecoder(LinkLayer.IP);
        ByteBuf empty = Unpooled.buffer(0);
        ByteBuf fragment = CapturedFrames.wrap(CapturedFrames.ECHO_REQUEST_LAST_FRAGMENT);
        try {
            assertNull(tun.decode(empty));
            assertEquals(InboundFrame.Kind.OTHER_ETHERTYPE, tun.kind());
            assertNull(tun.ip());
            fragment.skipBytes(14); // the bare IP packet, as a TUN device reads it
            assertNull(tun.decode(fragment));
            assertEquals(InboundFrame.Kind.IPV4_FRAGMENT, tun.kind());
            assertNull(tun.verifyChecksums(), "a fragment's header checksum verifies; its payload is not decoded");
            fragment.setByte(fragment.readerIndex(), 0x44);
            assertEquals(DecodeError.IPV4_BAD_HEADER_LENGTH, tun.decode(fragment));
            assertEquals(InboundFrame.Kind.IPV4_OTHER, tun.kind());
            assertNull(tun.ip());
            fragment.setByte(fragment.readerIndex(), 0x75);
            assertNull(tun.decode(fragment), "IP version 7 is no IP this decoder knows");
            assertEquals(InboundFrame.Kind.OTHER_ETHERTYPE, tun.kind());
        } finally {
            empty.release();
            fragment.release();
        }
    }

    /** What a TUN user's handler does per packet: one decoder for the channel, nothing allocated per packet. */
    @Test
    void decodesAndVerifiesPacketsOfATunDeviceWithoutAllocating() {
        PacketDecoder decoder = new PacketDecoder(LinkLayer.IP);
        ByteBuf[] packets = {
                untracked(OffloadFrames.of(false, false).tcp(1, 1, TcpSegment.ACK, new byte[1400], false)),
                untracked(OffloadFrames.of(false, true).tcp(1, 1, TcpSegment.ACK, new byte[1400], false)),
                untracked(OffloadFrames.of(false, false).udp(1, new byte[64], false)),
                untracked(OffloadFrames.of(false, true).udp(1, new byte[64], false))};
        try {
            long allocated = Allocations.ofSecondRun(() -> decodeAll(decoder, packets, 20_000));
            assertTrue(allocated < 1024, allocated + " bytes allocated for 80,000 packets");
        } finally {
            for (ByteBuf packet : packets) {
                packet.release();
            }
        }
    }

    private static long decodeAll(PacketDecoder decoder, ByteBuf[] packets, int rounds) {
        long sum = 0;
        for (int round = 0; round < rounds; round++) {
            for (ByteBuf packet : packets) {
                assertNull(decoder.decode(packet));
                assertNull(decoder.verifyChecksums());
                sum += decoder.kind() == InboundFrame.Kind.TCP ? decoder.tcp().sourcePort()
                        : decoder.udp().destinationPort();
            }
        }
        return sum;
    }

    /** A copy of {@code packet} outside leak detection; see {@link Allocations#untracked}. */
    private static ByteBuf untracked(ByteBuf packet) {
        try {
            return Allocations.untracked(ByteBufUtil.getBytes(packet));
        } finally {
            packet.release();
        }
    }
}
