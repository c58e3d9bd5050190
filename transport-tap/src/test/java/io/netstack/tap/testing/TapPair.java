package io.netstack.tap.testing;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two TAP devices joined by tc, so that every frame written to the first comes out of the second: a {@link #writer()}
 * channel on {@code NAMEa} and a {@link #reader()} channel on {@code NAMEb}, on the next two loops of the group (two
 * threads, when the group has two). The kernel itself sends nothing on either device (IPv6 is off on both and they
 * have no IPv4 address), so the reader gets exactly what the writer wrote, less what the kernel dropped:
 * {@link #kernelDrops()}.
 *
 * <p>The redirect is a u32 filter matching everything on the first device's ingress with a mirred action, as
 * {@code matchall} and {@code flower} are not in every kernel. Create it from a {@link KernelTest}'s thread.
 */
public final class TapPair implements AutoCloseable {
    private final TapChannel writer;
    private final TapChannel reader;

    private TapPair(TapChannel writer, TapChannel reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** Creates {@code NAMEa} and {@code NAMEb}; {@code readerHandler} gets what the reader reads. */
    public static TapPair open(EventLoopGroup group, String name, ChannelHandler readerHandler) throws Exception {
        String a = name + "a";
        String b = name + "b";
        TapChannel writer = bind(group, a, new ChannelInboundHandlerAdapter());
        TapChannel reader;
        try {
            reader = bind(group, b, readerHandler);
        } catch (Throwable t) {
            writer.close().sync();
            throw t;
        }
        TapPair pair = new TapPair(writer, reader);
        try {
            for (String device : new String[] {a, b}) {
                // Before the link comes up, or the kernel would send neighbour and router solicitations on it.
                Files.writeString(Path.of("/proc/sys/net/ipv6/conf", device, "disable_ipv6"), "1");
            }
            Ip.tc("qdisc", "add", "dev", a, "ingress");
            Ip.tc("filter", "add", "dev", a, "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0", "0",
                    "action", "mirred", "egress", "redirect", "dev", b);
            Ip.run("link", "set", a, "up");
            Ip.run("link", "set", b, "up");
            return pair;
        } catch (Throwable t) {
            pair.close();
            throw t;
        }
    }

    private static TapChannel bind(EventLoopGroup group, String name, ChannelHandler handler)
            throws InterruptedException {
        return (TapChannel) new Bootstrap().group(group).channel(TapChannel.class).handler(handler)
                .bind(new TapAddress(name)).sync().channel();
    }

    /** The channel on {@code NAMEa}: what it writes comes out of {@code NAMEb}. */
    public TapChannel writer() {
        return writer;
    }

    /** The channel on {@code NAMEb}. */
    public TapChannel reader() {
        return reader;
    }

    /**
     * Frames the kernel dropped on the way, as it counts them: written to {@code NAMEa} but dropped on receipt
     * (its rx_dropped), or not queued for the reader because the queue of {@code NAMEb} was full (its tx_dropped).
     */
    public long kernelDrops() {
        return writer.metrics().kernelRxDropped() + reader.metrics().kernelTxDropped();
    }

    /** Closes both channels; their devices, and the tc setup with them, disappear. */
    @Override
    public void close() throws InterruptedException {
        writer.close().sync();
        reader.close().sync();
    }
}
