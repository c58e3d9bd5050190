package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of a packet made of a header and the payload it carries (the next layer's packet, or data). Where the
 * payload starts and how long it is follow from {@link #headerLength()}, once, for every such protocol.
 */
public abstract class HeaderedPacketView extends PacketView {
    HeaderedPacketView() {
    }

    /** {@return the header's length in bytes, options and tags included} */
    public abstract int headerLength();

    /** {@return the absolute index of the payload, right after the header} */
    public final int payloadOffset() {
        return offset + headerLength();
    }

    /**
     * {@return the payload's length in bytes: {@link #length()} less the header} Where the header states the
     * packet's length (IPv4, UDP) padding after the packet is excluded; an Ethernet frame has no such field, so its
     * payload includes it.
     */
    public final int payloadLength() {
        return length - headerLength();
    }

    /** {@return the payload as a slice of the buffer, sharing its content and reference count} Allocates the slice. */
    public final ByteBuf payload() {
        return buf.slice(payloadOffset(), payloadLength());
    }
}
