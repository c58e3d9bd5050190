package io.netstack.wire;

import io.netty.buffer.ByteBuf;

import java.util.Objects;

/**
 * A reusable, zero-copy window onto one protocol header (and its payload) inside a {@link ByteBuf}.
 *
 * <p>A view copies nothing: {@link #wrap(ByteBuf, int, int)} validates the bytes in place and remembers where they
 * are, and the accessors read the fields straight from the buffer with absolute {@code get} calls, so neither the
 * buffer's indexes nor its reference count are touched. Re-pointing an existing view at the next frame allocates
 * nothing, which is what lets a pipeline decode a stream of frames without garbage.
 *
 * <p>Malformed input is ordinary on a network, so {@code wrap} reports it as a {@code false} return and a
 * {@link DecodeError} from {@link #error()} rather than as an exception. The static {@code parse} methods of the
 * subclasses wrap a new view and throw {@link MalformedPacketException} instead, for code that is not on a hot path.
 *
 * <p>After a failed {@code wrap} the accessors' results are unspecified (they may throw
 * {@link IndexOutOfBoundsException}). A view does not own the buffer: it must not be read once the buffer has been
 * released. Views are not thread-safe.
 */
public abstract class PacketView {
    ByteBuf buf;
    int offset;
    int length;
    private DecodeError error;

    PacketView() {
    }

    /**
     * Points this view at {@code length} bytes of {@code buf} starting at absolute index {@code offset}, and checks
     * that they hold a well-formed packet. The packet may be shorter than {@code length}, as when an IPv4 packet is
     * followed by Ethernet padding: {@link #length()} then tells the packet's own length.
     *
     * @return {@code true} if the packet is well-formed; otherwise {@link #error()} tells why not
     * @throws IndexOutOfBoundsException if the range lies outside the buffer's capacity, which is a bug of the
     *                                   caller, not malformed input
     */
    public final boolean wrap(ByteBuf buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.capacity());
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        error = validate();
        return error == null;
    }

    /** Wraps the readable bytes of {@code buf}; see {@link #wrap(ByteBuf, int, int)}. */
    public final boolean wrap(ByteBuf buf) {
        return wrap(buf, buf.readerIndex(), buf.readableBytes());
    }

    /**
     * Checks the bytes between {@link #offset} and {@link #offset} + {@link #length}, and trims {@link #length} to
     * the packet's own length when its header says it is shorter.
     *
     * @return {@code null} if the packet is well-formed
     */
    abstract DecodeError validate();

    /** Records a failure found after {@link #validate()}, e.g. by a check that needs context from another layer. */
    final boolean fail(DecodeError error) {
        this.error = error;
        return false;
    }

    /** Why the last {@code wrap} failed, or {@code null} if it succeeded. */
    public final DecodeError error() {
        return error;
    }

    /** The buffer this view reads. */
    public final ByteBuf buffer() {
        return buf;
    }

    /** The absolute index of the packet's first byte in {@link #buffer()}. */
    public final int offset() {
        return offset;
    }

    /** The packet's length in bytes, header included, as stated by its own header where it has a length field. */
    public final int length() {
        return length;
    }

    static <V extends PacketView> V parseOrThrow(V view, ByteBuf buf, int offset, int length) {
        if (!view.wrap(buf, offset, length)) {
            throw new MalformedPacketException(view.error());
        }
        return view;
    }

    static <V extends PacketView> V parseOrThrow(V view, ByteBuf buf) {
        return parseOrThrow(view, buf, buf.readerIndex(), buf.readableBytes());
    }
}
