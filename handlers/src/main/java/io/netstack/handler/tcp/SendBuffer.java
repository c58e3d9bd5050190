package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;

/**
 * The bytes a connection was given to send and the peer has not acknowledged yet, in the buffers they were written in:
 * the first byte is the one at the connection's SND.UNA. Segments copy from it, the first transmission and any
 * retransmission alike, and acknowledged bytes release the buffers they filled.
 */
final class SendBuffer {
    private final ArrayDeque<ByteBuf> buffers = new ArrayDeque<>();
    /** The bytes of the first buffer already acknowledged. */
    private int acknowledgedOfFirst;
    private int size;

    /** Appends {@code data}, whose readable bytes this buffer owns from now on. */
    void add(ByteBuf data) {
        if (!data.isReadable()) {
            data.release();
            return;
        }
        buffers.add(data);
        size += data.readableBytes();
    }

    /** {@return the bytes held, sent or not} */
    int size() {
        return size;
    }

    /**
     * Appends {@code length} bytes from {@code offset} bytes past the first unacknowledged one to {@code out}.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@link #size()}
     */
    void copy(int offset, int length, ByteBuf out) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of " + size);
        }
        int skip = offset + acknowledgedOfFirst;
        int left = length;
        for (ByteBuf buffer : buffers) {
            int readable = buffer.readableBytes();
            if (skip >= readable) {
                skip -= readable;
                continue;
            }
            int take = Math.min(readable - skip, left);
            out.writeBytes(buffer, buffer.readerIndex() + skip, take);
            left -= take;
            if (left == 0) {
                return;
            }
            skip = 0;
        }
    }

    /** Forgets the first {@code bytes} bytes, acknowledged by the peer, and releases the buffers they emptied. */
    void acknowledge(int bytes) {
        int left = Math.min(bytes, size);
        size -= left;
        left += acknowledgedOfFirst;
        while (!buffers.isEmpty() && left >= buffers.peek().readableBytes()) {
            left -= buffers.peek().readableBytes();
            buffers.poll().release();
        }
        acknowledgedOfFirst = left;
    }

    /** Releases every buffer: the connection is gone. */
    void clear() {
        for (ByteBuf buffer; (buffer = buffers.poll()) != null; ) {
            buffer.release();
        }
        size = 0;
        acknowledgedOfFirst = 0;
    }
}
