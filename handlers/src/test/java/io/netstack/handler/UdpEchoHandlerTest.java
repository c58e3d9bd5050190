package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class UdpEchoHandlerTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.1", 40000);
    private static final InetSocketAddress SERVICE = new InetSocketAddress("192.0.2.2", UdpEchoHandler.ECHO_PORT);

    private final UdpEchoHandler echo = new UdpEchoHandler();
    private final EmbeddedChannel channel = new EmbeddedChannel(echo);

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    @Test
    void sendsTheDataBackToTheSenderFromTheAddressItWasSentTo() {
        ByteBuf data = PooledByteBufAllocator.DEFAULT.buffer().writeBytes("hello".getBytes(StandardCharsets.US_ASCII));
        channel.writeInbound(new DatagramPacket(data, SERVICE, CLIENT));
        DatagramPacket reply = channel.readOutbound();
        try {
            assertEquals(CLIENT, reply.recipient());
            assertEquals(SERVICE, reply.sender());
            assertSame(data, reply.content(), "the data go back without a copy");
            assertEquals("hello", reply.content().toString(StandardCharsets.US_ASCII));
        } finally {
            reply.release();
        }
        assertEquals(1, echo.datagramsEchoed());
    }

    @Test
    void flushesOncePerReadLoop() {
        channel.pipeline().fireChannelRead(new DatagramPacket(PooledByteBufAllocator.DEFAULT.buffer(), SERVICE, CLIENT));
        channel.pipeline().fireChannelRead(new DatagramPacket(PooledByteBufAllocator.DEFAULT.buffer(), SERVICE, CLIENT));
        assertNull(channel.readOutbound(), "written, not flushed yet");
        channel.pipeline().fireChannelReadComplete();
        channel.<DatagramPacket>readOutbound().release();
        channel.<DatagramPacket>readOutbound().release();
        assertEquals(2, echo.datagramsEchoed());
    }

    @Test
    void passesOnOtherMessages() {
        ByteBuf notADatagram = PooledByteBufAllocator.DEFAULT.buffer();
        channel.writeInbound(notADatagram);
        assertSame(notADatagram, channel.readInbound());
        notADatagram.release();
        assertNull(channel.readOutbound());
        assertEquals(0, echo.datagramsEchoed());
    }
}
