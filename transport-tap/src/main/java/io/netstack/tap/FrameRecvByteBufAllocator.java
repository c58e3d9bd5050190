package io.netstack.tap;

import io.netty.channel.ChannelConfig;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;

/**
 * The default {@link io.netty.channel.RecvByteBufAllocator} of a {@link TapChannel}: one buffer per frame, as large
 * as the largest frame the device can hand over ({@link TapChannelConfig#getMaxFrameLength()}, which follows the
 * MTU, or a super-frame once offloads are on) and its vnet header if any, and up to
 * {@value #DEFAULT_MAX_MESSAGES_PER_READ} frames per wakeup.
 *
 * <p>Netty's {@code FixedRecvByteBufAllocator} reads one message per wakeup by default; a TAP reader that slow
 * saturates its core on wakeups while the kernel drops frames at the device queue.
 */
public final class FrameRecvByteBufAllocator extends DefaultMaxMessagesRecvByteBufAllocator {
    /** Frames read per wakeup unless {@link #maxMessagesPerRead(int)} says otherwise. */
    public static final int DEFAULT_MAX_MESSAGES_PER_READ = 64;

    /**
     * The allocator every {@link TapChannel} starts with; set a new one to read more or fewer frames per wakeup,
     * e.g. {@code new FrameRecvByteBufAllocator().maxMessagesPerRead(16)}.
     */
    public FrameRecvByteBufAllocator() {
        super(DEFAULT_MAX_MESSAGES_PER_READ);
        // Frames are messages: a frame that did not fill its buffer says nothing about whether another is waiting.
        respectMaybeMoreData(false);
    }

    @Override
    public Handle newHandle() {
        return new FrameHandle();
    }

    private final class FrameHandle extends MaxMessageHandle {
        private int frameLength = TapChannelConfig.DEFAULT_MAX_FRAME_LENGTH;

        @Override
        public void reset(ChannelConfig config) {
            super.reset(config);
            if (config instanceof TapChannelConfig tapConfig) {
                frameLength = tapConfig.readBufferLength();
            }
        }

        @Override
        public int guess() {
            return frameLength;
        }
    }
}
