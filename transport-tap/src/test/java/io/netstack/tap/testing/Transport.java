package io.netstack.tap.testing;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.util.function.Supplier;

/**
 * The event loops a {@link io.netstack.tap.TapChannel} can run on. Fault tests are parameterized over it
 * ({@code @EnumSource(Transport.class)}), so that a new loop implementation is one more constant here.
 */
public enum Transport {
    EPOLL(EpollIoHandler::newFactory);

    private final Supplier<IoHandlerFactory> handlers;

    Transport(Supplier<IoHandlerFactory> handlers) {
        this.handlers = handlers;
    }

    /**
     * A group of {@code threads} loops. A loop's thread starts when the loop is first given work, from the thread
     * that gives it, and inherits that thread's network namespace: give the first work from the test thread.
     */
    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, handlers.get());
    }
}
