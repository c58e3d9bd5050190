package io.netstack.benchmarks;

import io.netstack.wire.EthernetFrame;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.UdpDatagram;
import io.netstack.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
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

import java.util.concurrent.TimeUnit;

/**
 * The protocol views on the read path: an Ethernet frame carrying IPv4/UDP, wrapped layer by layer by reused views
 * (both checksums verified). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per frame, which
 * must be about 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.machineId=02:00:00:00:00:01"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
public class DecodeBenchmark {
    private static final int DISCARD_PORT = 9;
    private static final int SOURCE = 0xc6_33_64_01;
    private static final int DESTINATION = 0xc6_33_64_02;

    @Param({"64", "1500"})
    public int size;

    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private final UdpDatagram udp = new UdpDatagram();
    private ByteBuf frame;

    @Setup(Level.Trial)
    public void setUp() {
        // An Ethernet header in front of the TUN benchmark's IPv4/UDP packet.
        int dataLength = size - EthernetFrame.HEADER_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH - UdpDatagram.HEADER_LENGTH;
        ByteBuf data = Unpooled.wrappedBuffer(new byte[dataLength]);
        frame = PooledByteBufAllocator.DEFAULT.directBuffer(size);
        frame.writeMedium(0x020000).writeMedium(0x00000b).writeMedium(0x020000).writeMedium(0x00000a)
                .writeShort(EthernetFrame.ETHERTYPE_IPV4);
        Ipv4Header ip = Ipv4Header.of(SOURCE, DESTINATION, Ipv4Packet.PROTOCOL_UDP);
        ip.write(frame, UdpDatagram.HEADER_LENGTH + dataLength);
        new UdpHeader(40000, DISCARD_PORT).write(frame, ip, data, 0, dataLength);
        if (decode() != DISCARD_PORT) {
            throw new IllegalStateException("the benchmark frame does not decode");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frame.release();
    }

    /**
     * Ethernet -> IPv4 -> UDP, both checksums verified; returns the destination port, or -1 at the first layer that
     * does not decode.
     */
    @Benchmark
    public int decode() {
        if (!ethernet.wrap(frame) || ethernet.etherType() != EthernetFrame.ETHERTYPE_IPV4
                || !ipv4.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength()) || !ipv4.isChecksumValid()
                || ipv4.protocol() != Ipv4Packet.PROTOCOL_UDP || !udp.wrap(ipv4) || !udp.isChecksumValid(ipv4)) {
            return -1;
        }
        return udp.destinationPort();
    }
}
