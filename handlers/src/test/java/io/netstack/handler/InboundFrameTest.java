package io.netstack.handler;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.DecodeError;
import io.netstack.wire.EthernetFrame;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.netstack.wire.testing.CapturedFrames.pooled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InboundFrameTest {
    private final InboundFrame inbound = new InboundFrame();

    @Test
    void decodesAndVerifiesEveryLayerOfAValidFrameWithoutAllocating() {
        ByteBuf[] frames = {
                Allocations.untracked(CapturedFrames.ARP_REQUEST),
                Allocations.untracked(CapturedFrames.ECHO_REQUEST),
                Allocations.untracked(CapturedFrames.ECHO_REQUEST_RECORD_ROUTE),
                Allocations.untracked(CapturedFrames.padded(CapturedFrames.UDP_HELLO)),
                Allocations.untracked(CapturedFrames.tagged(CapturedFrames.UDP_HELLO, EthernetFrame.ETHERTYPE_VLAN, 10))};
        try {
            long allocated = Allocations.ofSecondRun(() -> decodeAll(frames, 20_000));
            // A few hundred bytes of slack for the measurement itself; one object per frame would be megabytes.
            assertTrue(allocated < 1024, allocated + " bytes allocated for 100,000 frames");
        } finally {
            for (ByteBuf frame : frames) {
                frame.release();
            }
        }
    }

    /**
     * Decodes each frame {@code rounds} times, checksums verified as the host does, and sums a field of the deepest
     * layer, so nothing is optimised away.
     */
    private long decodeAll(ByteBuf[] frames, int rounds) {
        long sum = 0;
        for (int round = 0; round < rounds; round++) {
            for (ByteBuf frame : frames) {
                DecodeError error = inbound.decode(frame);
                if (error == null) {
                    error = inbound.verifyChecksums();
                }
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
