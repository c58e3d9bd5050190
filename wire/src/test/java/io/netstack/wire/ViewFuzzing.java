package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold for a {@link PacketView} whatever bytes it is pointed at, checked the same way for every view:
 * {@code wrap} returns instead of throwing and agrees with {@code error()}; it leaves the buffer's indexes and
 * reference count alone; a well-formed view's accessors do not throw and stay inside the wrapped range; the same
 * bytes give the same result at another offset, in a direct buffer and in a view reused from an earlier input; and
 * {@code parse} either agrees or throws {@link MalformedPacketException} with the same reason.
 *
 * <p>Each wrap sees the bytes in a buffer whose capacity ends where they end, and once at offset 0, so a read past
 * either end of the range is an {@link IndexOutOfBoundsException}, which fails the input like any other exception.
 *
 * @param <V> the view type
 */
final class ViewFuzzing<V extends PacketView> {
    /** What a wrap decided, and what a well-formed view read, in terms that do not depend on where it was. */
    private record Outcome(DecodeError error, int length, List<Object> fields) {
    }

    private final Supplier<V> factory;
    private final Function<ByteBuf, V> parse;
    private final Function<V, List<Object>> inspector;
    /** One view for every input, as a pipeline keeps it, to catch state left over from the previous wrap. */
    private final V reused;
    /** Direct memory for the shifted copies, allocated once: allocating it per input would dominate a fuzzing run. */
    private ByteBuffer direct = ByteBuffer.allocateDirect(0);

    /**
     * @param factory   a new view
     * @param parse     the view's {@code parse} convenience over a buffer's readable bytes, or {@code null} if it has
     *                  none (UDP's needs the enclosing IPv4 packet)
     * @param inspector reads every accessor of a well-formed view, checking how they relate, and returns the values,
     *                  with indexes made relative to the view's offset
     */
    ViewFuzzing(Supplier<V> factory, Function<ByteBuf, V> parse, Function<V, List<Object>> inspector) {
        this.factory = factory;
        this.parse = parse;
        this.inspector = inspector;
        this.reused = factory.get();
    }

    /** Runs every check on {@code bytes}, the second wrap placed after {@code prefix} bytes of other content. */
    void check(byte[] bytes, int prefix) {
        ByteBuf exact = Unpooled.wrappedBuffer(bytes);
        ByteBuf shifted = shiftedDirectCopy(bytes, prefix);
        try {
            Outcome expected = wrap(factory.get(), exact, 0, bytes.length);
            assertEquals(expected, wrap(reused, shifted, prefix, bytes.length),
                    "the same bytes decode the same at another offset, in a direct buffer, in a reused view");
            if (parse != null) {
                checkParse(exact, expected);
            }
        } finally {
            // Whether the views kept the count at 1 was checked after each wrap; an empty input is Netty's shared
            // empty buffer, which release() does not free.
            exact.release();
            shifted.release();
        }
    }

    /** Wraps and checks {@code view}; returns what it decided. */
    private Outcome wrap(V view, ByteBuf buf, int offset, int length) {
        int readerIndex = buf.readerIndex();
        int writerIndex = buf.writerIndex();
        boolean wellFormed = view.wrap(buf, offset, length);
        assertEquals(wellFormed, view.error() == null, "wrap's result agrees with error()");
        Outcome outcome = wellFormed ? inspect(view, buf, offset, length) : new Outcome(view.error(), -1, List.of());
        assertEquals(readerIndex, buf.readerIndex(), "reader index untouched");
        assertEquals(writerIndex, buf.writerIndex(), "writer index untouched");
        assertEquals(1, buf.refCnt(), "reference count untouched, slices included");
        return outcome;
    }

    private Outcome inspect(V view, ByteBuf buf, int offset, int length) {
        assertSame(buf, view.buffer());
        assertEquals(offset, view.offset());
        assertTrue(view.length() >= 0 && view.length() <= length,
                "the packet's length " + view.length() + " lies within the " + length + " bytes wrapped");
        return new Outcome(null, view.length(), inspector.apply(view));
    }

    private void checkParse(ByteBuf readable, Outcome expected) {
        V parsed;
        try {
            parsed = parse.apply(readable);
        } catch (MalformedPacketException e) {
            assertEquals(expected.error(), e.reason(), "parse throws for the reason wrap gives");
            return;
        }
        assertNull(expected.error(), "parse accepts only what wrap accepts");
        assertEquals(expected.length(), parsed.length());
    }

    /** A direct buffer holding {@code prefix} bytes of other content, then {@code bytes}, and nothing after. */
    private ByteBuf shiftedDirectCopy(byte[] bytes, int prefix) {
        int length = prefix + bytes.length;
        if (direct.capacity() < length) {
            direct = ByteBuffer.allocateDirect(length);
        }
        // A slice of exactly this size, rather than a buffer from Netty's allocators, keeps the capacity exact.
        ByteBuffer slice = direct.slice(0, length);
        for (int i = 0; i < prefix; i++) {
            slice.put((byte) ~i);
        }
        slice.put(bytes).flip();
        return Unpooled.wrappedBuffer(slice);
    }
}
