package io.netstack.tap.testing;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUringIoHandler;

import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * The event loops a {@link io.netstack.tap.TapChannel} can run on. Tests that touch the channel are parameterized
 * over it ({@code @ParameterizedClass} or {@code @ParameterizedTest} with {@code @EnumSource(Transport.class)}).
 */
public enum Transport {
    EPOLL(EpollIoHandler::newFactory),
    IO_URING(IoUringIoHandler::newFactory);

    private final Supplier<IoHandlerFactory> factory;

    Transport(Supplier<IoHandlerFactory> factory) {
        this.factory = factory;
    }

    /**
     * A group of {@code threads} loops. A loop's thread starts when the loop is first given work, from the thread
     * that gives it, and inherits that thread's network namespace: give the first work from the test thread.
     */
    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, factory.get());
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory.get());
    }
}
