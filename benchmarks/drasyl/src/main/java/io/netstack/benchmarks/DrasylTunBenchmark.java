package io.netstack.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import org.drasyl.channel.tun.Tun4Packet;
import org.drasyl.channel.tun.TunAddress;
import org.drasyl.channel.tun.TunChannel;
import org.drasyl.channel.tun.TunPacket;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * drasyl's {@code TunChannel} (org.drasyl:netty-tun, JNA, Netty 4.1) over the benchmark's TUN topology: a writer
 * channel attached to tuna, a reader channel attached to tunb, frames of the C references. A plain timed program,
 * not JMH: JMH's forks would put drasyl on the class path of the Netty 4.2 benchmarks. It prints one RESULT line
 * (benchmarks/native format) per measured window.
 *
 * <p>drasyl's channel needs Netty's {@link DefaultEventLoopGroup} (it reads with blocking {@code read(2)} calls on a
 * thread of its own per channel) and writes {@link TunPacket}s, so each frame costs a wrapper object: that is its
 * API. It attaches to existing devices: it opens them with IFF_TUN | IFF_NO_PI, without IFF_TUN_EXCL.
 *
 * <p>Usage: {@code DrasylTunBenchmark SIZE WARMUP_SECONDS WINDOW_SECONDS WINDOWS}. Runs only in a network namespace
 * that benchmarks/run.sh made, with {@code topology.sh up tun} done; bounded by the arguments (the writer stops
 * itself after warm-up plus windows plus 5 s, whatever happens).
 */
public final class DrasylTunBenchmark {
    private DrasylTunBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        double warmup = Double.parseDouble(args[1]);
        double window = Double.parseDouble(args[2]);
        int windows = Integer.parseInt(args[3]);
        long deadline = System.nanoTime() + (long) ((warmup + window * windows + 5) * 1e9);

        EventLoopGroup writerGroup = new DefaultEventLoopGroup(1);
        EventLoopGroup readerGroup = new DefaultEventLoopGroup(1);
        ByteBuf frame = BenchFrames.alignedFrame("tun", size);
        Counter counter = new Counter(size);
        Writer writer = new Writer(frame, deadline);
        int queued = 256 * (size + 96);
        Channel reader = bind(readerGroup, "tunb", counter, queued);
        Channel writerChannel = bind(writerGroup, "tuna", writer, queued);
        try {
            Thread.sleep((long) (warmup * 1000));
            for (int i = 0; i < windows; i++) {
                ProcCounters.Snapshot start = ProcCounters.snapshot("tuna", "tunb");
                long received0 = counter.received.get(), written0 = writer.written.get();
                Thread.sleep((long) (window * 1000));
                ProcCounters.Snapshot end = ProcCounters.snapshot("tuna", "tunb");
                long received = counter.received.get() - received0, written = writer.written.get() - written0;
                double seconds = (end.nanoTime() - start.nanoTime()) / 1e9;
                long frames = Math.max(1, received);
                System.out.println(String.format(Locale.ROOT,
                        "RESULT impl=drasyl-tun mode=tun size=%d seconds=%.2f written=%d received=%d fps=%.0f gbps=%.2f"
                                + " loss=%d kernel_drops=%d user_ns_per_frame=%.0f sys_ns_per_frame=%.0f other=%d"
                                + " other_cpus=%.2f",
                        size, seconds, written, received, received / seconds, received * size * 8 / seconds / 1e9,
                        written - received, end.drops() - start.drops(),
                        (end.userNanos() - start.userNanos()) / (double) frames,
                        (end.systemNanos() - start.systemNanos()) / (double) frames, counter.other.get(),
                        end.otherCpusSince(start)));
            }
        } finally {
            writer.stopped = true;
            writerChannel.close().await(2, TimeUnit.SECONDS);
            reader.close().await(2, TimeUnit.SECONDS);
            // drasyl's reader thread may sit in a blocking read(2) that closing the fd does not interrupt: do not
            // wait for the groups, end the process.
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    private static Channel bind(EventLoopGroup group, String device, ChannelHandler handler, int queuedBytes)
            throws InterruptedException {
        return new Bootstrap().group(group).channel(TunChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(queuedBytes / 2, queuedBytes))
                .handler(handler)
                .bind(new TunAddress(device)).sync().channel();
    }

    /** Counts packets of the expected size, releases everything. */
    private static final class Counter extends ChannelInboundHandlerAdapter {
        final AtomicLong received = new AtomicLong();
        final AtomicLong other = new AtomicLong();
        private final int size;

        Counter(int size) {
            this.size = size;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // Only this loop's thread counts: a plain increment published with lazySet, no atomic add per packet.
            AtomicLong count = msg instanceof TunPacket p && p.content().readableBytes() == size ? received : other;
            count.lazySet(count.get() + 1);
            ReferenceCountUtil.release(msg);
        }
    }

    /** The same saturating writer as the netstack benchmark's, over drasyl's packet type. */
    private static final class Writer extends ChannelInboundHandlerAdapter {
        private static final int BATCH = 1024;
        final AtomicLong written = new AtomicLong();
        private final ByteBuf frame;
        private final long deadline;
        private final Runnable pumpTask = this::pump;
        private Channel channel;
        private boolean pumpScheduled;
        volatile boolean stopped;

        Writer(ByteBuf frame, long deadline) {
            this.frame = frame;
            this.deadline = deadline;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            pump();
            ctx.fireChannelActive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && !pumpScheduled) {
                pumpScheduled = true;
                channel.eventLoop().execute(pumpTask);
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void pump() {
            pumpScheduled = false;
            if (stopped || !channel.isActive() || System.nanoTime() - deadline > 0) {
                return;
            }
            int n = 0;
            while (channel.isWritable() && n < BATCH) {
                channel.write(new Tun4Packet(frame.retainedDuplicate()), channel.voidPromise());
                n++;
            }
            channel.flush();
            // drasyl's doWrite is synchronous: everything flushed has been written (or dropped by the kernel).
            written.lazySet(written.get() + n);
            if (channel.isWritable() && !pumpScheduled) {
                pumpScheduled = true;
                channel.eventLoop().execute(pumpTask);
            }
        }
    }
}
