package io.netstack.benchmarks;

import io.netstack.handler.InboundFrame;
import io.netstack.handler.UserspaceHost;
import io.netstack.handler.fault.FaultInjector;
import io.netstack.handler.fault.FaultSettings;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netstack.wire.EthernetHeader;
import io.netstack.wire.Frames;
import io.netstack.wire.Icmpv4EchoHeader;
import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.MacAddress;
import io.netstack.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The userspace host's own work per frame, without a device: a {@link UserspaceHost} on an {@link EmbeddedChannel}
 * reads one prebuilt frame per operation, as a channel's read loop hands it over ({@code channelRead}, then
 * {@code channelReadComplete}), and the benchmark takes and releases what the host wrote. Each {@link Case} is one
 * path through the host. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per frame,
 * which must be about 0 but for what a UDP service's datagram costs by design: the {@code DatagramPacket} it is
 * handed, the one it writes, and the promise of its packet's write to the host's channel.
 *
 * <p>The conditions are a TapChannel's: the channel allocates from {@link PooledByteBufAllocator#DEFAULT}, and the
 * benchmark thread is a Netty {@code FastThreadLocalThread} (see {@link EventLoopLikeExecutor}). The frame read is
 * a retained duplicate of one pooled direct buffer, recycled like the frame itself, so the benchmark measures the
 * host rather than its own setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Leak detection off, as in ReadPathBenchmark: its sampling records stack traces, which would be counted here. The
// benchmark thread is an event loop's kind of thread, for Netty's Recycler (see EventLoopLikeExecutor).
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.machineId=02:00:00:00:00:01",
        "-Dio.netty.leakDetection.level=disabled", "-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=io.netstack.benchmarks.EventLoopLikeExecutor"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
public class HostBenchmark {
    private static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");
    private static final long PEER_MAC = MacAddress.parse("02:00:5e:10:00:01").value();
    private static final int HOST_IP = Ipv4Address.parse("192.0.2.2").value();
    private static final int PEER_IP = Ipv4Address.parse("192.0.2.1").value();
    private static final int PEER_PORT = 40000;
    private static final int ECHO_PORT = 7;
    private static final int CLOSED_PORT = 9;
    /** The data of a default {@code ping}, and of the datagrams. */
    private static final int DATA_LENGTH = 56;
    /** Every fault set and none firing: the injector draws all its decisions, as on a lossy link's good frames. */
    private static final double NEVER = 1e-15;

    /** A path through the host: the frame it takes, what it writes back and the counter that tells it went so. */
    public enum Case {
        /** An ARP request for the host's address, answered with a reply. */
        ARP_REQUEST(1, host -> host.arp().requestsAnswered()) {
            @Override
            ByteBuf frame(ByteBufAllocator alloc) {
                return Frames.arpRequest(alloc, PEER_MAC, PEER_IP, HOST_IP);
            }
        },
        /** An ICMP echo request, answered with an echo reply. */
        ICMP_ECHO(1, host -> host.icmpEcho().repliesSent()) {
            @Override
            ByteBuf frame(ByteBufAllocator alloc) {
                return echoRequest(alloc);
            }
        },
        /** A datagram to the echo service, read as a {@code DatagramPacket} and sent back. */
        UDP_ECHO(1, host -> host.udpEcho().datagramsEchoed()) {
            @Override
            ByteBuf frame(ByteBufAllocator alloc) {
                return datagram(alloc, ECHO_PORT);
            }
        },
        /** A datagram to a port without a service: dropped and counted. */
        UDP_CLOSED_PORT(0, host -> host.drops().count(InboundFrame.Kind.UDP)) {
            @Override
            ByteBuf frame(ByteBufAllocator alloc) {
                return datagram(alloc, CLOSED_PORT);
            }
        },
        /** An echo request whose IPv4 header checksum is wrong: dropped and counted as malformed. */
        MALFORMED(0, host -> host.drops().count(DecodeError.IPV4_BAD_CHECKSUM)) {
            @Override
            ByteBuf frame(ByteBufAllocator alloc) {
                ByteBuf frame = echoRequest(alloc);
                int checksum = frame.readerIndex() + EthernetFrame.HEADER_LENGTH + 10;
                return frame.setShort(checksum, frame.getUnsignedShort(checksum) + 1);
            }
        },
        /** An echo request through a {@link FaultInjector} whose faults, all set, never fire in either direction. */
        FAULT_INJECTOR_ICMP_ECHO(1, host -> host.icmpEcho().repliesSent()) {
            @Override
            ByteBuf frame(ByteBufAllocator alloc) {
                return echoRequest(alloc);
            }

            @Override
            UserspaceHost.Builder configure(UserspaceHost.Builder host) {
                FaultSettings faults = FaultSettings.builder().dropRate(NEVER).duplicateRate(NEVER)
                        .corruptRate(NEVER).reorder(NEVER, 1, Duration.ofSeconds(1))
                        .bandwidth(Long.MAX_VALUE / 16, Integer.MAX_VALUE).build();
                return host.faults(FaultInjector.builder().seed(1).inbound(faults).outbound(faults).build());
            }
        };

        private final int framesWritten;
        private final ToLongFunction<UserspaceHost> counter;

        Case(int framesWritten, ToLongFunction<UserspaceHost> counter) {
            this.framesWritten = framesWritten;
            this.counter = counter;
        }

        /** The frame of this case, from the peer to the host, owned by the caller. */
        abstract ByteBuf frame(ByteBufAllocator alloc);

        /** Adds what this case needs to the host's configuration. */
        UserspaceHost.Builder configure(UserspaceHost.Builder host) {
            return host;
        }

        private static ByteBuf echoRequest(ByteBufAllocator alloc) {
            ByteBuf data = alloc.buffer(DATA_LENGTH).writeZero(DATA_LENGTH);
            try {
                return framed(Frames.icmpEcho(alloc, Ipv4Header.of(PEER_IP, HOST_IP, Ipv4Packet.PROTOCOL_ICMP),
                        new Icmpv4EchoHeader(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1), data, 0, DATA_LENGTH));
            } finally {
                data.release();
            }
        }

        private static ByteBuf datagram(ByteBufAllocator alloc, int port) {
            ByteBuf data = alloc.buffer(DATA_LENGTH).writeZero(DATA_LENGTH);
            try {
                return framed(Frames.udp(alloc, Ipv4Header.of(PEER_IP, HOST_IP, Ipv4Packet.PROTOCOL_UDP),
                        new UdpHeader(PEER_PORT, port), data, 0, DATA_LENGTH));
            } finally {
                data.release();
            }
        }

        /** The peer's IPv4 packet in an Ethernet frame to the host. */
        private static ByteBuf framed(ByteBuf packet) {
            return new EthernetHeader(HOST_MAC.value(), PEER_MAC, EthernetFrame.ETHERTYPE_IPV4).prependTo(packet);
        }
    }

    @Param
    public Case path;

    private UserspaceHost host;
    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBuf frame;
    private long counterAtStart;
    private long dropsAtStart;
    private long operations;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        host = path.configure(UserspaceHost.builder(HOST_MAC).address(new Ipv4Address(HOST_IP))).build();
        // Registered once configured: the host's pipeline allocates from the start (its gratuitous ARP).
        channel = new EmbeddedChannel(DefaultChannelId.newInstance(), false, false, host);
        // A TapChannel's allocator, not EmbeddedChannel's: what the host's answers cost depends on it.
        channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        channel.register();
        pipeline = channel.pipeline();
        takeWritten();  // the host's gratuitous ARP
        // The peer resolves the host first, as the kernel does before its first packet, and the host learns the
        // peer's address from the request: its answers need no resolution of their own.
        ByteBuf arpRequest = Case.ARP_REQUEST.frame(PooledByteBufAllocator.DEFAULT);
        pipeline.fireChannelRead(arpRequest);
        pipeline.fireChannelReadComplete();
        takeWritten();
        frame = path.frame(PooledByteBufAllocator.DEFAULT);
        counterAtStart = path.counter.applyAsLong(host);
        dropsAtStart = host.drops().total();
        checkAnswer();
        checkCounter();
    }

    /** One frame in, and out the answer of its own protocol (not, say, an ARP request of the host's), or none. */
    private void checkAnswer() {
        operations++;
        pipeline.fireChannelRead(frame.retainedDuplicate());
        pipeline.fireChannelReadComplete();
        ByteBuf answer = channel.readOutbound();
        try {
            EthernetFrame request = new EthernetFrame();
            EthernetFrame reply = new EthernetFrame();
            boolean expected = path.framesWritten == 0 ? answer == null
                    : answer != null && request.wrap(frame) && reply.wrap(answer)
                    && reply.etherType() == request.etherType() && channel.outboundMessages().isEmpty();
            if (!expected) {
                throw new IllegalStateException(path + ": not the answer expected: " + answer + "; "
                        + host.summary());
            }
        } finally {
            ReferenceCountUtil.release(answer);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            checkCounter();
        } finally {
            channel.finishAndReleaseAll();
            frame.release();
        }
    }

    /** Every frame read went the case's way, none another (an injected fault, a drop on the way in or out). */
    private void checkCounter() {
        long counted = path.counter.applyAsLong(host) - counterAtStart;
        long dropped = host.drops().total() - dropsAtStart;
        if (counted != operations || dropped != (path.framesWritten == 0 ? operations : 0)) {
            throw new IllegalStateException(path + ": " + counted + " of " + operations + " frames counted; "
                    + host.summary());
        }
    }

    /** The host reads one frame in a read loop of its own and writes its answer, if any; returns the frames written. */
    @Benchmark
    public int readFrame() {
        operations++;
        pipeline.fireChannelRead(frame.retainedDuplicate());
        pipeline.fireChannelReadComplete();
        channel.runPendingTasks();
        return takeWritten();
    }

    private int takeWritten() {
        int written = 0;
        for (Object out; (out = channel.readOutbound()) != null; written++) {
            ReferenceCountUtil.release(out);
        }
        return written;
    }
}
