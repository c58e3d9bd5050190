package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static io.netstack.handler.ArpResponderTest.HOST;
import static io.netstack.handler.ArpResponderTest.HOST_IP;
import static io.netstack.handler.ArpResponderTest.HOST_MAC;
import static io.netstack.handler.ArpResponderTest.KERNEL_IP;
import static io.netstack.handler.ArpResponderTest.KERNEL_MAC;
import static io.netstack.handler.ArpResponderTest.knowingTheKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpEchoHandlerTest {
    private final DropCounters drops = new DropCounters();
    private final UdpEchoHandler echo = new UdpEchoHandler(HOST, UdpEchoHandler.ECHO_PORT);
    private final EmbeddedChannel channel = new EmbeddedChannel(new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
            new EthernetFramer(HOST, knowingTheKernel(), drops), echo, new UnhandledFrameCounter(drops));

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    @Test
    void echoesTheDataBackWithAddressesAndPortsSwapped() {
        ByteBuf request = pooled(CapturedFrames.padded(CapturedFrames.UDP_HELLO));
        channel.writeInbound(request);
        assertEquals(0, request.refCnt());
        ByteBuf reply = channel.readOutbound();
        try {
            EthernetFrame ethernet = EthernetFrame.parse(reply);
            assertEquals(KERNEL_MAC, ethernet.destination());
            assertEquals(HOST_MAC.value(), ethernet.source());
            Ipv4Packet ipv4 = Ipv4Packet.parse(reply.slice(ethernet.payloadOffset(), ethernet.payloadLength()));
            assertEquals(HOST_IP.value(), ipv4.source());
            assertEquals(KERNEL_IP, ipv4.destination());
            UdpDatagram udp = UdpDatagram.parse(ipv4);
            assertEquals(7, udp.sourcePort());
            assertEquals(40000, udp.destinationPort());
            assertTrue(udp.checksum() != 0, "a checksum is computed");
            assertEquals("hello", udp.payload().toString(StandardCharsets.US_ASCII));
            assertEquals(47, reply.readableBytes(), "the request's padding is not echoed");
        } finally {
            reply.release();
        }
        assertEquals(1, echo.datagramsEchoed());
    }

    @Test
    void echoesAnEmptyDatagram() {
        channel.writeInbound(pooled(CapturedFrames.UDP_EMPTY));
        ByteBuf reply = channel.readOutbound();
        try {
            assertEquals(0, UdpDatagram.parse(Ipv4Packet.parse(reply.slice(14, reply.readableBytes() - 14)))
                    .payloadLength());
        } finally {
            reply.release();
        }
    }

    @Test
    void passesOnOtherPorts() {
        ByteBuf otherPort = pooled(CapturedFrames.UDP_HELLO);
        otherPort.setShort(14 + 20 + 2, 9); // the discard port
        otherPort.setShort(14 + 20 + 6, 0); // no checksum, rather than one to recompute
        channel.writeInbound(otherPort);
        assertNull(channel.readOutbound());
        assertEquals(0, echo.datagramsEchoed());
        assertEquals(1, drops.count(InboundFrame.Kind.UDP));
    }

    @Test
    void rejectsAnInvalidPort() {
        assertThrows(IllegalArgumentException.class, () -> new UdpEchoHandler(HOST, 0));
        assertThrows(IllegalArgumentException.class, () -> new UdpEchoHandler(HOST, 65536));
    }
}
