package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpEchoResponderTest {
    private final DropCounters drops = new DropCounters();
    private final IcmpEchoResponder icmp = new IcmpEchoResponder(HOST);
    private final EmbeddedChannel channel = new EmbeddedChannel(new PacketDemultiplexer(LinkLayer.ETHERNET, drops),
            new EthernetFramer(HOST, knowingTheKernel(), drops), icmp, new UnhandledFrameCounter(drops));

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    @Test
    void answersPing() {
        assertReplyTo(CapturedFrames.ECHO_REQUEST, 0x3451, 1);
    }

    @Test
    void answersPingWithIpOptions() {
        // The reply carries no options: RFC 1122 lets a host drop Record Route from its echo reply.
        assertReplyTo(CapturedFrames.ECHO_REQUEST_RECORD_ROUTE, 0x349c, 1);
    }

    private void assertReplyTo(byte[] requestBytes, int identifier, int sequenceNumber) {
        ByteBuf request = pooled(requestBytes);
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
            Icmpv4Packet echoReply = Icmpv4Packet.parse(ipv4.payload());
            assertTrue(echoReply.isEchoReply());
            assertEquals(identifier, echoReply.identifier());
            assertEquals(sequenceNumber, echoReply.sequenceNumber());
            byte[] data = Arrays.copyOfRange(requestBytes, requestBytes.length - 56, requestBytes.length);
            assertEquals(HexFormat.of().formatHex(data), ByteBufUtil.hexDump(echoReply.payload()));
        } finally {
            reply.release();
        }
        assertNull(channel.readOutbound());
        assertEquals(1, icmp.repliesSent());
        assertEquals(0, drops.total());
    }

    @Test
    void passesOnRequestsForOtherAddresses() {
        byte[] forOther = CapturedFrames.withIpv4HeaderByte(CapturedFrames.ECHO_REQUEST, 19, 3); // to 192.0.2.3
        channel.writeInbound(pooled(forOther));
        assertNull(channel.readOutbound());
        assertEquals(0, icmp.repliesSent());
        assertEquals(1, drops.count(InboundFrame.Kind.ICMPV4));
    }

    @Test
    void passesOnEchoReplies() {
        ByteBuf request = pooled(CapturedFrames.ECHO_REQUEST);
        channel.writeInbound(request);
        ByteBuf reply = channel.readOutbound();
        // Our own reply, looped back: addressed to 192.0.2.1, and not a request anyway.
        channel.writeInbound(reply);
        assertNull(channel.readOutbound());
        assertEquals(1, icmp.repliesSent());
        assertEquals(1, drops.count(InboundFrame.Kind.ICMPV4));
    }
}
