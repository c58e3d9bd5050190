package io.netstack.tap;

import io.netstack.wire.CidrAddress;
import io.netstack.tap.testing.EventLoops;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One device, four queues, four channels on four event loops; the kernel spreads flows over the queues. */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class MultiQueueTest {
    private static final int QUEUES = 4;
    private static final int FLOWS = 200;
    @Parameter
    Transport transport;
    @RegisterExtension
    final EventLoops loops = new EventLoops();
    private EventLoopGroup group;

    @BeforeEach
    void startLoops() {
        group = loops.open(transport, QUEUES);
    }

    /** Counts the UDP datagrams the kernel sends to 192.0.2.2 through this queue. */
    @ChannelHandler.Sharable
    private static final class UdpCounter extends ChannelInboundHandlerAdapter {
        final AtomicLong datagrams = new AtomicLong();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            int at = frame.readerIndex();
            if (frame.readableBytes() >= 42 && frame.getUnsignedShort(at + 12) == 0x0800
                    && frame.getUnsignedByte(at + 23) == 17 && frame.getInt(at + 30) == 0xc0000202) {
                datagrams.incrementAndGet();
            }
            frame.release();
        }
    }

    @Test
    void framesOfManyFlowsArriveOnEveryQueueAndNotOnADetachedOne() throws Exception {
        List<TapChannel> queues = new ArrayList<>();
        UdpCounter[] counters = new UdpCounter[QUEUES];
        try {
            for (int q = 0; q < QUEUES; q++) {
                counters[q] = new UdpCounter();
                Bootstrap bootstrap = new Bootstrap().group(group).channel(TapChannel.class).handler(counters[q])
                        .option(TapChannelOption.MULTI_QUEUE, true)
                        // The first queue creates the device; the others attach to it.
                        .option(TapChannelOption.EXCLUSIVE, q == 0);
                if (q == 0) {
                    bootstrap.option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse("192.0.2.1/24")))
                            .option(TapChannelOption.LINK_UP, true);
                }
                queues.add((TapChannel) bootstrap.bind(new TapAddress("nsmq4")).sync().channel());
            }
            assertTrue(Ip.run("-d", "-j", "link", "show", "nsmq4").contains("\"numqueues\":4"));
            assertTrue(queues.get(0).eventLoop() != queues.get(1).eventLoop(), "each queue on its own loop");
            Ip.run("neigh", "replace", "192.0.2.2", "lladdr", "02:00:5e:10:00:02", "dev", "nsmq4", "nud", "permanent");

            long[] first = sendFlows(counters, 0);
            for (int q = 0; q < QUEUES; q++) {
                assertTrue(first[q] > 0, "queue " + q + " got no frame of " + FLOWS + " flows: "
                        + Arrays.toString(first));
            }

            queues.get(0).setQueueAttached(false);
            assertTrue(Ip.run("-d", "-j", "link", "show", "nsmq4").contains("\"numdisabled\":1"));
            long[] detached = sendFlows(counters, FLOWS);
            assertEquals(0, detached[0], "a detached queue receives nothing: " + Arrays.toString(detached));
            // Long enough for the channel to ask the kernel whether its device is still there (it is).
            Thread.sleep(2 * DeviceLifecycle.DEVICE_CHECK_MILLIS + 100);
            assertTrue(queues.get(0).isActive(), "a detached queue is not a deleted device");

            queues.get(0).setQueueAttached(true);
            long[] reattached = sendFlows(counters, 2 * FLOWS);
            assertTrue(reattached[0] > 0, "a re-attached queue receives again: " + Arrays.toString(reattached));
        } finally {
            for (TapChannel queue : queues) {
                queue.close().sync();
            }
        }
    }

    /** Sends one datagram on each of {@link #FLOWS} flows; returns how many each queue got. */
    private static long[] sendFlows(UdpCounter[] counters, int firstPort) throws Exception {
        long[] before = new long[QUEUES];
        for (int q = 0; q < QUEUES; q++) {
            before[q] = counters[q].datagrams.get();
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("192.0.2.1", 0))) {
            for (int flow = 0; flow < FLOWS; flow++) {
                socket.send(new DatagramPacket(new byte[8], 8, InetAddress.getByName("192.0.2.2"),
                        20000 + firstPort + flow));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long[] got = new long[QUEUES];
        long total;
        do {
            Thread.sleep(10);
            total = 0;
            for (int q = 0; q < QUEUES; q++) {
                got[q] = counters[q].datagrams.get() - before[q];
                total += got[q];
            }
        } while (total < FLOWS && System.nanoTime() < deadline);
        assertEquals(FLOWS, total, "every datagram arrives on some queue: " + Arrays.toString(got));
        return got;
    }
}
