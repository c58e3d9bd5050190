package io.netstack.handler;

import io.netstack.wire.LinkLayer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Logs every frame that passes it, inbound and outbound, as one {@code tcpdump -e -n} style line (on a TUN device,
 * {@code tcpdump -n}) prefixed with its direction ({@code "in  "} or {@code "out "}), to a sink such as
 * {@code System.out::println} or a logger. See {@link FrameFormatter} for the format. It observes {@link ByteBuf} frames and {@link InboundFrame}s alike and
 * passes every message on unchanged.
 */
public final class FrameLogger extends ChannelDuplexHandler {
    private final FrameFormatter formatter;
    private final Consumer<String> sink;

    /**
     * A logger of Ethernet frames, as a TAP device carries them, that hands each line to {@code sink}, on the event
     * loop's thread; a slow sink slows the channel.
     *
     * @param sink where the lines go, e.g. {@code System.out::println}
     */
    public FrameLogger(Consumer<String> sink) {
        this(sink, LinkLayer.ETHERNET);
    }

    /**
     * A logger of the frames of a device that hands each line to {@code sink}, on the event loop's thread; a slow
     * sink slows the channel.
     *
     * @param sink      where the lines go, e.g. {@code System.out::println}
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on
     *                  a TUN device, whose packets are printed as {@code tcpdump -n} prints them
     */
    public FrameLogger(Consumer<String> sink, LinkLayer linkLayer) {
        this.sink = requireNonNull(sink, "sink");
        formatter = new FrameFormatter(requireNonNull(linkLayer, "linkLayer"));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        log("in  ", msg);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        log("out ", msg);
        ctx.write(msg, promise);
    }

    private void log(String direction, Object msg) {
        ByteBuf frame = InboundFrame.frameOf(msg);
        if (frame != null) {
            sink.accept(direction + formatter.format(frame));
        }
    }
}
