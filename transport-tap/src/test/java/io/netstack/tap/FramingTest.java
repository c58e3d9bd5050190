package io.netstack.tap;

import io.netstack.wire.LinkLayer;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.RecvByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vnet_hdr framing of {@link OutboundFrames} and {@link InboundFrames}, on bare buffers: no device, no loop.
 */
class FramingTest {
    private static final TapAddress TAP = new TapAddress("tap0", LinkLayer.ETHERNET);

    private final TapChannel channel = new TapChannel();
    private final TapChannelConfig config = channel.config();
    private final AtomicInteger mtuRefreshes = new AtomicInteger();
    private final OutboundFrames outbound = new OutboundFrames(config, channel.metrics());
    private final InboundFrames inbound = new InboundFrames(config, channel.metrics(), mtuRefreshes::incrementAndGet);

    private void withVnetHeader() {
        config.offloadsEnabled(EnumSet.noneOf(TunOffload.class), VirtioNetFrame.HEADER_LENGTH);
        config.linkBound(LinkLayer.ETHERNET, 1500);
    }

    @Test
    void aDirectFrameIsWrittenAsItIs() {
        ByteBuf frame = Unpooled.directBuffer(60).writeZero(60);
        assertSame(frame, outbound.filter(frame, TAP));
        frame.release();
    }

    @Test
    void aHeapFrameIsCopiedOnceIntoDirectMemory() {
        ByteBuf frame = Unpooled.buffer(60).writeZero(60);
        ByteBuf written = (ByteBuf) outbound.filter(frame, TAP);
        assertTrue(written.hasMemoryAddress());
        assertEquals(60, written.readableBytes());
        assertEquals(0, frame.refCnt(), "the original is released");
        written.release();
    }

    @Test
    void emptyAndOversizeFramesAreRefusedAndCounted() {
        ByteBuf empty = Unpooled.directBuffer(0);
        assertThrows(IllegalArgumentException.class, () -> outbound.filter(empty, TAP));
        ByteBuf tooLong = Unpooled.directBuffer(1519).writeZero(1519);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> outbound.filter(tooLong, TAP));
        assertTrue(e.getMessage().contains("1519 bytes") && e.getMessage().contains("1518"), e.getMessage());
        assertEquals(1, channel.metrics().oversizeDrops());
        empty.release();
        tooLong.release();
    }

    @Test
    void aPlainFrameGetsAZeroHeaderInItsOwnHeadroom() {
        withVnetHeader();
        ByteBuf frame = Unpooled.directBuffer(80).writerIndex(20).readerIndex(20).writeZero(60);
        frame.setByte(10, 0x55);
        ByteBuf written = (ByteBuf) outbound.filter(frame, TAP);
        assertSame(frame, written, "the header goes into the headroom, no copy");
        assertEquals(70, written.readableBytes());
        assertEquals(0, written.getByte(written.readerIndex()), "a plain frame's header is zero");
        written.release();
    }

    @Test
    void aVirtioFrameWithoutHeadroomIsCopiedAfterItsHeader() {
        withVnetHeader();
        VirtioNetFrame frame = VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, VirtioNetFrame.GSO_NONE, 0, 0,
                34, 16, Unpooled.directBuffer(60).writeZero(60));
        ByteBuf written = (ByteBuf) outbound.filter(frame, TAP);
        assertEquals(VirtioNetFrame.HEADER_LENGTH + 60, written.readableBytes());
        VirtioNetFrame decoded = VirtioNetFrame.decode(written);
        assertTrue(decoded.needsCsum());
        assertEquals(34, decoded.csumStart());
        decoded.release();
        assertEquals(0, frame.refCnt(), "the original is released");
    }

    @Test
    void aFrameNeedingOffloadsIsRefusedWithoutAHeader() {
        VirtioNetFrame frame = VirtioNetFrame.newInstance(VirtioNetFrame.F_NEEDS_CSUM, VirtioNetFrame.GSO_NONE, 0, 0,
                34, 16, Unpooled.directBuffer(60).writeZero(60));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> outbound.filter(frame, TAP));
        assertTrue(e.getMessage().contains("OFFLOADS"), e.getMessage());
        frame.release();
    }

    @Test
    void aFrameReadIsHandedOverWithItsLength() {
        ByteBuf buffer = inbound.allocate(handle());
        assertTrue(buffer.writableBytes() >= config.readBufferLength());
        Object msg = inbound.read(buffer, 60);
        assertSame(buffer, msg);
        assertEquals(60, buffer.readableBytes());
        assertEquals(1, channel.metrics().framesRead());
        buffer.release();
    }

    @Test
    void aFrameReadWithAHeaderIsDecoded() {
        withVnetHeader();
        ByteBuf buffer = inbound.allocate(handle());
        VirtioNetFrame.encodePlainHeader(buffer, buffer.writerIndex());
        VirtioNetFrame msg = assertInstanceOf(VirtioNetFrame.class, inbound.read(buffer, 70));
        assertEquals(60, msg.content().readableBytes());
        msg.release();
    }

    @Test
    void aFrameThatFillsItsBufferWasCutShortAndRefreshesTheMtu() {
        ByteBuf buffer = inbound.allocate(handle());
        assertNull(inbound.read(buffer, buffer.writableBytes()));
        assertEquals(0, buffer.refCnt(), "the cut frame is released");
        assertEquals(1, channel.metrics().truncatedDrops());
        assertEquals(1, mtuRefreshes.get(), "the next buffers follow the kernel's MTU");
    }

    @Test
    void aFrameShorterThanItsHeaderIsDropped() {
        withVnetHeader();
        ByteBuf buffer = inbound.allocate(handle());
        assertNull(inbound.whole(buffer, 4));
        assertEquals(0, buffer.refCnt());
        assertEquals(1, channel.metrics().truncatedDrops());
        assertEquals(0, mtuRefreshes.get());
    }

    @Test
    void theMtuSizesReadBuffers() {
        config.linkBound(LinkLayer.ETHERNET, 9000);
        assertEquals(9018, config.getMaxFrameLength());
        ByteBuf buffer = inbound.allocate(handle());
        assertTrue(buffer.writableBytes() >= 9019);
        buffer.release();
        config.linkBound(LinkLayer.IP, 1500);
        assertEquals(1500, config.getMaxFrameLength());
    }

    private RecvByteBufAllocator.Handle handle() {
        RecvByteBufAllocator.Handle handle = config.getRecvByteBufAllocator().newHandle();
        handle.reset(config);
        return handle;
    }
}
