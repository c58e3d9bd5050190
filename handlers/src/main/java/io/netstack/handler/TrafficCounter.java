package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the frames and bytes that pass it in each direction; placed next to the channel, it sees what the device
 * delivered and what was written to it. Outbound frames are counted when written, whether or not the write
 * succeeds later. Counters are written by the event loop only and are volatile so that other threads read current
 * values.
 */
public final class TrafficCounter extends ChannelDuplexHandler {
    private volatile long framesIn;
    private volatile long bytesIn;
    private volatile long framesOut;
    private volatile long bytesOut;

    /** A counter starting from zero; one instance counts one channel. */
    public TrafficCounter() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = InboundFrame.frameOf(msg);
        if (frame != null) {
            framesIn++;
            bytesIn += frame.readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ByteBuf frame = InboundFrame.frameOf(msg);
        if (frame != null) {
            framesOut++;
            bytesOut += frame.readableBytes();
        }
        ctx.write(msg, promise);
    }

    /** {@return how many frames were read from the channel} */
    public long framesIn() {
        return framesIn;
    }

    /** {@return the bytes of the frames read, link-layer header included, {@code virtio_net_hdr} excluded} */
    public long bytesIn() {
        return bytesIn;
    }

    /** {@return how many frames were written to the channel} */
    public long framesOut() {
        return framesOut;
    }

    /** {@return the bytes of the frames written, counted as {@link #bytesIn()} counts} */
    public long bytesOut() {
        return bytesOut;
    }

    @Override
    public String toString() {
        return "frames in " + framesIn + " (" + bytesIn + " bytes), out " + framesOut + " (" + bytesOut + " bytes)";
    }
}
