package io.netstack.tap.testing;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Collects what reaches the end of a pipeline through {@code exceptionCaught}, so a test can check what the channel
 * told its handlers. Everything else passes through.
 */
@ChannelHandler.Sharable
public final class ExceptionQueue extends ChannelInboundHandlerAdapter {
    private final LinkedBlockingQueue<Throwable> exceptions = new LinkedBlockingQueue<>();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        exceptions.add(cause);
    }

    /**
     * The first exception fired, waiting for it if need be.
     *
     * @throws AssertionError if none is fired in time
     */
    public Throwable await(long timeout, TimeUnit unit) throws InterruptedException {
        Throwable cause = exceptions.poll(timeout, unit);
        if (cause == null) {
            throw new AssertionError("no exception reached the pipeline within " + timeout + " " + unit);
        }
        return cause;
    }

    /** The number of exceptions fired and not yet taken. */
    public int size() {
        return exceptions.size();
    }
}
