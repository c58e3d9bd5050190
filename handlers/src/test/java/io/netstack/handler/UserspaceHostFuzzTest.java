package io.netstack.handler;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netstack.wire.testing.FuzzInput;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds arbitrary frames to a whole {@link UserspaceHost} (frame logger, demultiplexer, responders and drop counter)
 * on an {@link EmbeddedChannel}: nothing may be thrown out of the pipeline or reach its tail, every frame given to
 * it and every frame it sends must be released exactly once, every frame must be answered or counted, and whatever
 * it sends must be a well-formed frame: on a TAP device's link and on a TUN device's, where the host must never send
 * an Ethernet frame. {@link FuzzInput} tells how the fuzzer's bytes are read; the corpus is in
 * {@code src/test/resources/io/netstack/handler/UserspaceHostFuzzTestInputs}.
 *
 * <p>The buffers are counted by the test itself, so that a leak fails the input even when the leak detector is
 * turned down for a long fuzzing run.
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class UserspaceHostFuzzTest {
    /** The address of the seeds' destination, so that they reach the responders before mutation. */
    private static final MacAddress HOST_MAC = MacAddress.parse("02:00:5e:10:00:02");
    private static final Ipv4Address HOST_ADDRESS = Ipv4Address.parse("192.0.2.2");
    private static final Ipv6Address HOST_IPV6_ADDRESS = Ipv6Address.parse("2001:db8::2");

    /** Takes every exception that reaches the end of the pipeline, where EmbeddedChannel would rethrow it. */
    private static final class ExceptionRecorder extends ChannelInboundHandlerAdapter {
        final List<Throwable> caught = new ArrayList<>();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught.add(cause);
        }
    }

    @FuzzTest
    void hostTakesAnyFrame(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        if (input.fixChecksums()) {
            FuzzInput.fixFrameChecksums(input.bytes());
        }
        takesAnything(input, LinkLayer.ETHERNET);
    }

    @FuzzTest
    void hostOnTunTakesAnyPacket(FuzzedDataProvider data) {
        FuzzInput input = FuzzInput.read(data);
        byte[] packet = input.bytes();
        if (input.fixChecksums() && packet.length > 0) {
            if (packet[0] >>> 4 == Ipv6Packet.VERSION) {
                FuzzInput.fixIpv6Checksums(packet, 0);
            } else {
                FuzzInput.fixIpv4Checksums(packet, 0);
            }
        }
        takesAnything(input, LinkLayer.IP);
    }

    private static void takesAnything(FuzzInput input, LinkLayer linkLayer) {
        byte[] frame = input.bytes();
        int[] logLines = {0};
        UserspaceHost host = UserspaceHost.builder(HOST_MAC).address(HOST_ADDRESS).address(HOST_IPV6_ADDRESS)
                .linkLayer(linkLayer)
                .frameLog(line -> logLines[0]++).build();
        ExceptionRecorder errors = new ExceptionRecorder();
        EmbeddedChannel channel = new EmbeddedChannel(host, errors);

        // Once as a TAP channel delivers it, in a pooled direct buffer of its own; once in a heap buffer whose
        // readable bytes start after a prefix, which every handler must honour.
        ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(frame.length).writeBytes(frame);
        ByteBuf shifted = Unpooled.buffer(input.prefix() + frame.length)
                .writerIndex(input.prefix()).writeBytes(frame).readerIndex(input.prefix());
        for (ByteBuf in : List.of(pooled, shifted)) {
            channel.writeInbound(in);
            assertEquals(0, in.refCnt(), "the host releases every frame it is given, exactly once");
        }
        int sent = releaseOutbound(channel, linkLayer);
        assertFalse(channel.finish(), "nothing reaches the pipeline's tail, nothing is left to send");
        assertEquals(List.of(), errors.caught, "nothing is thrown out of the pipeline");

        TrafficCounter traffic = host.traffic();
        assertEquals(2, traffic.framesIn());
        assertEquals(sent, traffic.framesOut());
        assertEquals(traffic.framesIn() + traffic.framesOut(), logLines[0], "one log line per frame");
        assertEquals(traffic.framesIn(), host.drops().inboundTotal() + host.icmpEcho().repliesSent()
                        + host.arp().requestsAnswered() + host.arp().requestsForOthers()
                        + host.arp().repliesReceived() + host.udpEcho().datagramsEchoed() + ndpConsumed(host.ndp())
                        + host.tcp().segmentsReceived(),
                "every frame is answered, consumed or counted as dropped: " + host.summary());
        assertEquals(host.icmpEcho().repliesSent() + host.udpEcho().datagramsEchoed() + host.icmpErrors().sent()
                        + host.tcp().segmentsSent(),
                host.drops().outboundTotal() + sent
                        - host.arp().requestsAnswered() - host.arp().announcementsSent()
                        - host.ethernet().arpRequestsSent() - ndpSent(host.ndp())
                        - host.ethernet().neighborSolicitationsSent(),
                "every answer is sent, or dropped and counted: " + host.summary());
    }

    /** The Neighbor Discovery messages the host took: each answered, learnt from or counted. */
    private static long ndpConsumed(NdpResponder ndp) {
        return ndp.solicitationsAnswered() + ndp.duplicateAddressProbesAnswered() + ndp.solicitationsForOthers()
                + ndp.advertisementsReceived();
    }

    /** The advertisements the host sent: announcements and answers. */
    private static long ndpSent(NdpResponder ndp) {
        return ndp.announcementsSent() + ndp.solicitationsAnswered() + ndp.duplicateAddressProbesAnswered();
    }

    /**
     * Checks and releases what the host sent: its announcements and its answers, and on a TUN device's link IP
     * packets only.
     */
    private static int releaseOutbound(EmbeddedChannel channel, LinkLayer linkLayer) {
        InboundFrame decoded = new InboundFrame(linkLayer);
        int sent = 0;
        for (Object message; (message = channel.readOutbound()) != null; sent++) {
            ByteBuf frame = assertInstanceOf(ByteBuf.class, message);
            try {
                assertNull(decoded.decode(frame), "the host sends only well-formed frames");
                if (linkLayer == LinkLayer.IP) {
                    assertNotNull(decoded.headers().ip(), "a host on TUN sends IP packets, never an Ethernet frame");
                }
            } finally {
                assertTrue(frame.release(), "a frame sent is the host's alone to release");
            }
        }
        return sent;
    }
}
