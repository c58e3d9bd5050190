package io.netstack.tap.testing;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.uring.IoUringIoHandler;

import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/** The event loops a TapChannel runs on; tests that touch the channel run once on each. */
public enum Transport {
    EPOLL(EpollIoHandler::newFactory),
    IO_URING(IoUringIoHandler::newFactory);

    private final Supplier<IoHandlerFactory> factory;

    Transport(Supplier<IoHandlerFactory> factory) {
        this.factory = factory;
    }

    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, factory.get());
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory.get());
    }
}
