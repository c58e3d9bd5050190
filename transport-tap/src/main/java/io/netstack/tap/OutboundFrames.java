package io.netstack.tap;

import io.netstack.wire.LinkLayer;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.StringUtil;

/**
 * Turns what the pipeline writes into what one {@code write(2)} of the device takes: a {@link ByteBuf} frame (or a
 * {@link VirtioNetFrame}), no longer than the device allows, in memory with an address; on a channel with a vnet
 * header, the header right before the frame's bytes. Heap and multi-component buffers are copied once into a direct
 * one.
 */
final class OutboundFrames {
    private final TapChannelConfig config;
    private final TapChannelMetrics metrics;

    OutboundFrames(TapChannelConfig config, TapChannelMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * The buffer to write for {@code msg}, which it then owns; {@code device} names the device in errors.
     *
     * @throws UnsupportedOperationException if {@code msg} is no frame, or needs offloads the channel lacks
     * @throws IllegalArgumentException      if the frame is empty or longer than the device accepts
     */
    Object filter(Object msg, TapAddress device) {
        // Every check comes before the message is taken apart: if one throws, the caller releases msg as it came.
        int headerLength = config.vnetHeaderLength();
        VirtioNetFrame holder = null;
        ByteBuf frame;
        if (msg instanceof VirtioNetFrame virtio) {
            if (headerLength == 0 && (virtio.isGso() || virtio.needsCsum())) {
                throw new UnsupportedOperationException("a " + virtio + " needs the kernel to segment or checksum"
                        + " it: bind the channel with TapChannelOption.OFFLOADS, or put a GsoSplitter before it");
            }
            holder = virtio;
            frame = virtio.content();
        } else if (msg instanceof ByteBuf buf) {
            frame = buf;
        } else {
            throw new UnsupportedOperationException("TapChannel writes ByteBuf frames only, not "
                    + StringUtil.simpleClassName(msg) + "; add an encoder that turns it into a ByteBuf");
        }
        checkLength(frame, headerLength != 0, device);
        if (headerLength != 0) {
            return withHeader(frame, holder);
        }
        if (frame.hasMemoryAddress()) {
            return holder == null ? frame : holder.takeContent();
        }
        return copyToDirect(frame, holder, false);
    }

    private void checkLength(ByteBuf frame, boolean superFrameAllowed, TapAddress device) {
        int length = frame.readableBytes();
        boolean ethernet = device != null && device.linkLayer() == LinkLayer.ETHERNET;
        int max = superFrameAllowed
                ? (ethernet ? TapChannelConfig.TAP_LINK_OVERHEAD : 0) + TapChannelConfig.MAX_SUPER_PACKET_LENGTH
                : config.getMaxFrameLength();
        if (length == 0) {
            throw new IllegalArgumentException("empty frame: a TAP/TUN device takes no zero-length writes");
        }
        if (length > max) {
            metrics.oversizeDropped();
            throw new IllegalArgumentException("frame of " + length + " bytes is longer than the " + max
                    + " bytes that " + device + " accepts (" + (superFrameAllowed ? "a super-frame" : "its MTU")
                    + (ethernet ? " + " + TapChannelConfig.TAP_LINK_OVERHEAD + " bytes of Ethernet header and VLAN tag"
                            : "")
                    + "); the frame was dropped, the channel stays open");
        }
    }

    /**
     * Puts the vnet header ({@code holder}'s, or a zero one for a plain buffer) right before the frame's bytes, as
     * one write must carry both: into the buffer's own bytes before its reader index when it has room there and
     * this is its only reference (nothing else can read those bytes), else into a copy.
     */
    private ByteBuf withHeader(ByteBuf content, VirtioNetFrame holder) {
        int headerIndex = content.readerIndex() - VirtioNetFrame.HEADER_LENGTH;
        if (headerIndex >= 0 && content.hasMemoryAddress() && content.refCnt() == 1) {
            encodeHeader(holder, content, headerIndex);
            content.readerIndex(headerIndex);
            return holder == null ? content : holder.takeContent();
        }
        return copyToDirect(content, holder, true);
    }

    /** Writes {@code holder}'s header at {@code index}, or a zero one for a plain buffer ({@code holder} null). */
    private static void encodeHeader(VirtioNetFrame holder, ByteBuf buf, int index) {
        if (holder == null) {
            VirtioNetFrame.encodePlainHeader(buf, index);
        } else {
            holder.encodeHeader(buf, index);
        }
    }

    /**
     * Copies the frame into a new direct buffer, after its vnet header if {@code withHeader}, and releases the
     * original message ({@code holder} if not null, else the frame).
     */
    private ByteBuf copyToDirect(ByteBuf frame, VirtioNetFrame holder, boolean withHeader) {
        int headerLength = withHeader ? VirtioNetFrame.HEADER_LENGTH : 0;
        int length = frame.readableBytes();
        ByteBuf direct = config.getAllocator().directBuffer(headerLength + length);
        try {
            if (withHeader) {
                encodeHeader(holder, direct, 0);
            }
            direct.writerIndex(headerLength);
            direct.writeBytes(frame, frame.readerIndex(), length);
            if (!direct.hasMemoryAddress()) {
                throw new UnsupportedOperationException(
                        "the channel's allocator gives direct buffers without a memory address");
            }
        } catch (Throwable t) {
            direct.release();
            throw t;
        }
        ReferenceCountUtil.release(holder != null ? holder : frame);
        return direct;
    }
}
