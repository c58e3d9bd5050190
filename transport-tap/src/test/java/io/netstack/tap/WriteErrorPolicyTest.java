package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write-error policy both loops share ({@link TapIo#writeFailed}), on a bare outbound buffer: an error of one
 * frame fails that frame's promise with the kernel's reason, counts it, and lets the channel go on.
 */
class WriteErrorPolicyTest {
    private final TapChannel channel = new TapChannel();
    private final TapIo io = new EpollTapIo(channel);
    /** Lends its outbound buffer and promises; nothing is written through it. */
    private final EmbeddedChannel promises = new EmbeddedChannel();

    @AfterEach
    void release() {
        promises.finishAndReleaseAll();
    }

    @Test
    void aFrameErrorFailsThatFrameAlone() {
        ChannelOutboundBuffer in = promises.unsafe().outboundBuffer();
        ByteBuf refused = Unpooled.directBuffer(60).writeZero(60);
        ByteBuf next = Unpooled.directBuffer(60).writeZero(60);
        ChannelPromise refusedPromise = promises.newPromise();
        ChannelPromise nextPromise = promises.newPromise();
        in.addMessage(refused, 60, refusedPromise);
        in.addMessage(next, 60, nextPromise);
        in.addFlush();

        assertNull(io.writeFailed(in, 60, Errno.EIO), "the channel goes on");

        TunTapException e = assertInstanceOf(TunTapException.class, refusedPromise.cause());
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("60-byte frame") && e.getMessage().contains("is down"), e.getMessage());
        assertEquals(0, refused.refCnt(), "the refused frame is released");
        assertFalse(nextPromise.isDone(), "the next frame waits for its own write");
        assertEquals(next, in.current());
        assertEquals(1, channel.metrics().writeErrors());
    }

    @Test
    void errorsOfOneFrameAreToldFromErrorsOfTheDevice() {
        for (int errno : new int[] {Errno.EINVAL, Errno.EIO, Errno.EMSGSIZE, Errno.ENOBUFS}) {
            assertTrue(TapIo.isFrameError(errno), Errno.name(errno));
        }
        for (int errno : new int[] {Errno.EBADFD, Errno.ENODEV, Errno.EFAULT}) {
            assertFalse(TapIo.isFrameError(errno), Errno.name(errno));
        }
    }
}
