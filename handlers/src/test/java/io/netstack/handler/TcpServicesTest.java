package io.netstack.handler;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.TcpSegments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host's TCP on an embedded channel of IP packets: the handshake's options, segment by segment. */
class TcpServicesTest {
    private static final Ipv4Address HOST_IP = Ipv4Address.parse("192.0.2.2");
    private static final Ipv4Address KERNEL_IP = Ipv4Address.parse("192.0.2.1");
    private static final int PORT = 80;
    private static final Ipv4Header TO_HOST = Ipv4Header.of(KERNEL_IP.value(), HOST_IP.value(),
            Ipv4Packet.PROTOCOL_TCP);

    private final UserspaceHost host = UserspaceHost.builder().linkLayer(LinkLayer.IP).address(HOST_IP)
            .tcpService(PORT, new ChannelInboundHandlerAdapter() {
                @Override
                public boolean isSharable() {
                    return true;
                }
            }).build();
    private final EmbeddedChannel channel = new EmbeddedChannel(host);
    private final InboundFrame answer = new InboundFrame(LinkLayer.IP);

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    /** A SYN as Linux sends one: MSS, SACK-Permitted, Timestamps, Window Scale. */
    private static ByteBuf linuxSyn(int sequence) {
        ByteBuf packet = TcpSegments.start(UnpooledByteBufAllocator.DEFAULT, TO_HOST, 40000, PORT, sequence, 0,
                TcpSegment.SYN, 64240, TcpOptions.synOptionsLength(true, true, true), 0);
        TcpOptions.writeSynOptions(packet, 1460, true, true, 12345, 0, 7);
        TcpSegments.finish(packet, TO_HOST);
        return packet;
    }

    @Test
    void answersASynWithTheOptionsItOffered() {
        channel.writeInbound(linuxSyn(1000));
        ByteBuf synAck = channel.readOutbound();
        try {
            assertNull(answer.decode(synAck));
            TcpSegment tcp = answer.headers().tcp();
            assertEquals(TcpSegment.SYN | TcpSegment.ACK, tcp.flags());
            assertEquals(1001, tcp.acknowledgmentNumber());
            TcpOptions options = new TcpOptions().read(tcp);
            assertEquals(1460, options.maximumSegmentSize(), "a 1500-byte MTU less 40 bytes of headers");
            assertTrue(options.sackPermitted());
            assertTrue(options.hasTimestamps());
            assertEquals(12345, options.timestampEchoReply());
            assertEquals(2, options.windowScale(), "a 128 KiB window needs a shift of 2");
            assertNull(answer.verifyChecksums());
        } finally {
            synAck.release();
        }
        assertEquals(1, host.tcp().connections().halfOpen());
    }
}
