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
 * <p>Every view has a public no-argument constructor, so any handler, not only this library's, keeps one view per
 * layer for the life of its channel and re-points it at each packet:
 * <pre>{@code
 * private final Ipv4Packet ip = new Ipv4Packet();   // one per handler, not per packet
 *
 * public void channelRead(ChannelHandlerContext ctx, Object msg) {
 *     ByteBuf packet = (ByteBuf) msg;
 *     if (ip.wrap(packet) && ip.isChecksumValid()) {
 *         ... ip.source(), ip.protocol(), ip.payloadOffset() ...
 *     }
 * }
 * }</pre>
 *
 * <p>Malformed input is ordinary on a network, so {@code wrap} reports it as a {@code false} return and a
 * {@link DecodeError} from {@link #error()} rather than as an exception. The static {@code parse} methods of the
 * subclasses wrap a new view and throw {@link MalformedPacketException} instead, for code that is not on a hot path.
 *
 * <p>{@code wrap} checks structure only: lengths, versions and header lengths, everything without which the
 * accessors would read the wrong bytes. Checksums are a separate step, {@code isChecksumValid}, on the views whose
 * protocol has one, because whether to verify depends on where the packet came from: a frame the kernel has
 * already verified ({@code VIRTIO_NET_HDR_F_DATA_VALID}) or built itself need not be summed again, and a handler
 * that rewrites the checksum anyway has no use for the old one.
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
     * @param buf    the buffer holding the packet
     * @param offset the absolute index of the packet's first byte
     * @param length how many bytes from {@code offset} on may belong to the packet
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

    /**
     * Wraps the readable bytes of {@code buf}; see {@link #wrap(ByteBuf, int, int)}.
     *
     * @param buf the buffer whose readable bytes start with the packet
     * @return {@code true} if the packet is well-formed; otherwise {@link #error()} tells why not
     */
    public final boolean wrap(ByteBuf buf) {
        return wrap(buf, buf.readerIndex(), buf.readableBytes());
    }

    /**
     * Checks the structure of the bytes between {@link #offset} and {@link #offset} + {@link #length} (never a
     * checksum), and trims {@link #length} to the packet's own length when its header says it is shorter.
     *
     * @return {@code null} if the packet is well-formed
     */
    abstract DecodeError validate();

    /**
     * Why the last {@code wrap} failed.
     *
     * @return the reason, or {@code null} if it succeeded
     */
    public final DecodeError error() {
        return error;
    }

    /**
     * The buffer this view reads.
     *
     * @return the buffer of the last {@code wrap}
     */
    public final ByteBuf buffer() {
        return buf;
    }

    /**
     * Where the packet starts.
     *
     * @return the absolute index of the packet's first byte in {@link #buffer()}
     */
    public final int offset() {
        return offset;
    }

    /**
     * The packet's length, as stated by its own header where it has a length field.
     *
     * @return the length in bytes, header included
     */
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
