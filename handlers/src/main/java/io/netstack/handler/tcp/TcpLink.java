package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.concurrent.ScheduledFuture;

/** What a connection needs from the host: a way to send packets, a clock and timers, and someone to forget it. */
public interface TcpLink {
    /** {@return the allocator of the packets a connection sends} */
    ByteBufAllocator alloc();

    /**
     * Writes an IP packet towards the device, flushed at the end of the read loop under way, or at once outside one.
     *
     * @param packet an IP packet with link-layer headroom, owned by the link from now on
     */
    void send(ByteBuf packet);

    /** {@return the clock a connection's timers and timestamps run on, in milliseconds} */
    long nowMillis();

    /**
     * Runs {@code task} on the connection's event loop after {@code delayMillis}.
     *
     * @param task        what to run
     * @param delayMillis the delay
     * @return its future, to cancel it
     */
    ScheduledFuture<?> schedule(Runnable task, long delayMillis);

    /**
     * {@code connection} is gone: its segments are no longer its own, and a new connection may take its ports.
     *
     * @param connection the connection
     */
    void closed(TcpConnection connection);
}
