package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the connection tells its user, in an order that must make sense; data is held until the test reads it. */
final class RecordingEvents implements TcpEvents {
    final ArrayDeque<ByteBuf> unread = new ArrayDeque<>();
    final List<ByteBuf> fresh = new ArrayList<>();
    int unreadBytes;
    int established;
    int peerFinished;
    int ended;

    @Override
    public void established() {
        assertEquals(0, ended, "established after it ended");
        assertEquals(1, ++established, "established once");
    }

    @Override
    public void received(ByteBuf data) {
        assertEquals(0, ended, "data after the end");
        assertEquals(0, peerFinished, "data after the peer's FIN");
        assertTrue(data.isReadable(), "no empty delivery");
        unread.add(data);
        fresh.add(data);
        unreadBytes += data.readableBytes();
    }

    @Override
    public void peerFinished() {
        assertEquals(0, ended, "the peer's FIN after the end");
        assertEquals(1, ++peerFinished, "the peer's FIN once");
    }

    @Override
    public void failed(IOException cause) {
        assertNotNull(cause.getMessage());
        ended++;
    }

    @Override
    public void terminated() {
        ended++;
    }

    @Override
    public void sendSpaceFreed() {
        assertEquals(0, ended, "send space freed after the end");
    }

    @Override
    public int unreadBytes() {
        return unreadBytes;
    }

    /** The user consumes the first {@code slices} deliveries. */
    void read(int slices) {
        for (int i = 0; i < slices; i++) {
            ByteBuf data = unread.poll();
            unreadBytes -= data.readableBytes();
            data.release();
        }
    }
}
