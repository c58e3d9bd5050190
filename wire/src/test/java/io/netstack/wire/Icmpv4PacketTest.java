package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

import static io.netstack.wire.testing.CapturedFrames.ECHO_REQUEST;
import static io.netstack.wire.testing.CapturedFrames.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Icmpv4PacketTest {
    /** Where ICMP starts in the captured echo request: after Ethernet and a 20-byte IPv4 header. */
    private static final int ICMP = 34;

    private final Icmpv4Packet icmp = new Icmpv4Packet();

    @Test
    void readsTheEchoRequestOfPing() {
        ByteBuf frame = wrap(ECHO_REQUEST);
        try {
            assertTrue(icmp.wrap(frame, ICMP, 64));
            assertTrue(icmp.isChecksumValid());
            assertEquals(Icmpv4Packet.TYPE_ECHO_REQUEST, icmp.type());
            assertEquals(0, icmp.code());
            assertTrue(icmp.isEchoRequest());
            assertFalse(icmp.isEchoReply());
            assertEquals(0x70c1, icmp.checksum());
            assertEquals(0x3451, icmp.identifier());
            assertEquals(1, icmp.sequenceNumber());
            assertEquals(ICMP + 8, icmp.payloadOffset());
            assertEquals(56, icmp.payloadLength());
            // ping's data: a 16-byte timeval, then bytes counting up from 0x10.
            assertEquals("101112", ByteBufUtil.hexDump(icmp.payload(), 16, 3));
        } finally {
            frame.release();
        }
    }

    @Test
    void checksumCoversTheData() {
        byte[] bytes = ECHO_REQUEST.clone();
        bytes[bytes.length - 1] ^= 1;
        ByteBuf frame = wrap(bytes);
        try {
            assertTrue(icmp.wrap(frame, ICMP, 64), "wrap checks the structure only");
            assertFalse(icmp.isChecksumValid());
            assertFalse(Icmpv4Packet.parse(frame.slice(ICMP, 64)).isChecksumValid());
        } finally {
            frame.release();
        }
    }

    @Test
    void rejectsAMessageShorterThanItsHeader() {
        ByteBuf frame = wrap(ECHO_REQUEST);
        try {
            assertFalse(icmp.wrap(frame, ICMP, 7));
            assertEquals(DecodeError.ICMPV4_TRUNCATED, icmp.error());
            assertThrows(MalformedPacketException.class, () -> Icmpv4Packet.parse(frame.slice(ICMP, 7)));
        } finally {
            frame.release();
        }
    }
}
