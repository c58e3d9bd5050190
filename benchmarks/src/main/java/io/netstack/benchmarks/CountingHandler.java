package io.netstack.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The reader's whole pipeline: counts frames of the expected size (anything else is counted apart) and releases
 * them. The loop thread alone updates the counters; opaque stores publish them to the benchmark thread without a
 * fence per frame.
 */
final class CountingHandler extends ChannelInboundHandlerAdapter {
    private static final VarHandle RECEIVED;
    private static final VarHandle OTHER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RECEIVED = lookup.findVarHandle(CountingHandler.class, "received", long.class);
            OTHER = lookup.findVarHandle(CountingHandler.class, "other", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int expectedSize;
    @SuppressWarnings("unused") // through the VarHandles
    private long received, other;

    CountingHandler(int expectedSize) {
        this.expectedSize = expectedSize;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        VarHandle counter = msg instanceof ByteBuf frame && frame.readableBytes() == expectedSize ? RECEIVED : OTHER;
        counter.setOpaque(this, (long) counter.getOpaque(this) + 1);
        ReferenceCountUtil.release(msg);
    }

    long received() {
        return (long) RECEIVED.getOpaque(this);
    }

    long other() {
        return (long) OTHER.getOpaque(this);
    }
}
