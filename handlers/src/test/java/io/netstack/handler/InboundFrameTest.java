package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InboundFrameTest {
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private final InboundFrame inbound = new InboundFrame();

    @Test
    void decodesEveryLayerOfAValidFrameWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuf[] frames = {
                untracked(CapturedFrames.ARP_REQUEST),
                untracked(CapturedFrames.ECHO_REQUEST),
                untracked(CapturedFrames.ECHO_REQUEST_RECORD_ROUTE),
                untracked(CapturedFrames.padded(CapturedFrames.UDP_HELLO)),
                untracked(CapturedFrames.tagged(CapturedFrames.UDP_HELLO, EthernetFrame.ETHERTYPE_VLAN, 10))};
        try {
            // Warm up, so that the measurement sees compiled code rather than the interpreter's start-up.
            long checksum = decodeAll(frames, 20_000);
            long before = threads.getCurrentThreadAllocatedBytes();
            checksum += decodeAll(frames, 20_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // A few hundred bytes of slack for the measurement itself; one object per frame would be megabytes.
            assertTrue(allocated < 1024, allocated + " bytes allocated for 100,000 frames");
            assertTrue(checksum != 0, "the decoded fields were read");
        } finally {
            for (ByteBuf frame : frames) {
                frame.release();
            }
        }
    }

    /**
     * A direct buffer outside leak detection, whose PARANOID mode records every access of a tracked buffer and so
     * allocates on each read.
     */
    private static ByteBuf untracked(byte[] bytes) {
        return UNTRACKED.directBuffer(bytes.length).writeBytes(bytes);
    }

    /** Decodes each frame {@code rounds} times and sums a field of the deepest layer, so nothing is optimised away. */
    private long decodeAll(ByteBuf[] frames, int rounds) {
        long sum = 0;
        for (int round = 0; round < rounds; round++) {
            for (ByteBuf frame : frames) {
                DecodeError error = inbound.decode(frame);
                if (error != null) {
                    throw new AssertionError(error.description());
                }
                sum += switch (inbound.kind()) {
                    case ARP -> inbound.arp().tpa();
                    case ICMPV4 -> inbound.icmpv4().sequenceNumber();
                    case UDP -> inbound.udp().destinationPort();
                    default -> throw new AssertionError(inbound.kind());
                };
            }
        }
        return sum;
    }

    @Test
    void countsReferencesOnBehalfOfItsFrame() {
        ByteBuf frame = pooled(CapturedFrames.ECHO_REQUEST);
        assertNull(inbound.decode(frame));
        assertSame(frame, inbound.frame());
        assertSame(inbound, inbound.retain());
        assertEquals(2, frame.refCnt());
        assertFalse(inbound.release());
        assertTrue(inbound.release());
        assertEquals(0, frame.refCnt());
    }

    @Test
    void tellsWhichLayerBroke() {
        byte[] truncatedArp = Arrays.copyOf(CapturedFrames.ARP_REQUEST, 41);
        ByteBuf frame = pooled(truncatedArp);
        try {
            assertEquals(DecodeError.ARP_TRUNCATED, inbound.decode(frame));
            assertEquals(InboundFrame.Kind.ARP, inbound.kind());
        } finally {
            frame.release();
        }
    }
}
