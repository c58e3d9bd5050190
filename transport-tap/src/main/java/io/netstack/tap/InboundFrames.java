package io.netstack.tap;

import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.internal.StringUtil;

/**
 * Turns what a read of the device returned into the message the pipeline gets: a direct {@link ByteBuf}, or a
 * {@link VirtioNetFrame} on a channel with a vnet header; and drops, counting them, the frames the kernel cut short.
 */
final class InboundFrames {
    private final TapChannelConfig config;
    private final TapChannelMetrics metrics;
    /** Asks the kernel for the device's MTU again, which the read buffers then follow. */
    private final Runnable refreshMtu;

    InboundFrames(TapChannelConfig config, TapChannelMetrics metrics, Runnable refreshMtu) {
        this.config = config;
        this.metrics = metrics;
        this.refreshMtu = refreshMtu;
    }

    /**
     * A buffer for one inbound frame from the channel's allocator, direct and at least as large as the largest
     * frame the device hands over, vnet header included (a user's allocator that gives less would have the kernel
     * cut frames short).
     *
     * @throws UnsupportedOperationException if the allocator gives a buffer without a memory address
     */
    ByteBuf allocate(RecvByteBufAllocator.Handle allocHandle) {
        ByteBuf frame = allocHandle.allocate(config.getAllocator());
        int readBufferLength = config.readBufferLength();
        if (frame.writableBytes() < readBufferLength) {
            frame.capacity(frame.writerIndex() + readBufferLength);
        }
        if (!frame.hasMemoryAddress()) {
            frame.release();
            throw new UnsupportedOperationException("TapChannel reads into direct buffers with a memory address;"
                    + " the configured allocator gave " + StringUtil.simpleClassName(frame));
        }
        allocHandle.attemptedBytesRead(frame.writableBytes());
        return frame;
    }

    /**
     * The message for a frame the kernel wrote into {@code frame} after its writer index; {@code length} is what the
     * read returned. {@code null}, the buffer released, if the frame did not fit.
     */
    Object read(ByteBuf frame, int length) {
        if (cutShort(length, frame.writableBytes())) {
            frame.release();
            return null;
        }
        return whole(frame, length);
    }

    /**
     * The message for a frame known to be whole, the {@code length} bytes after the writer index of {@code frame};
     * {@code null}, the buffer released, if it is shorter than its vnet header.
     */
    Object whole(ByteBuf frame, int length) {
        int headerLength = config.vnetHeaderLength();
        if (length < headerLength) {
            frame.release();
            metrics.truncatedDropped();
            return null;
        }
        frame.writerIndex(frame.writerIndex() + length);
        metrics.frameRead(length);
        return headerLength == 0 ? frame : VirtioNetFrame.decode(frame);
    }

    /**
     * Whether a read of {@code length} bytes into a buffer of {@code bufferLength} was cut short. A read buffer is a
     * byte longer than the longest frame of the MTU the channel knows ({@link TapChannelConfig#readBufferLength()}),
     * so a frame that fills it means the MTU grew behind the channel's back and the kernel copied only what fit. Then
     * it counts the drop and sizes the next buffers by the new MTU.
     */
    boolean cutShort(int length, int bufferLength) {
        if (length < bufferLength) {
            return false;
        }
        metrics.truncatedDropped();
        refreshMtu.run();
        return true;
    }
}
