package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.Recycler;

/**
 * A frame together with the {@code virtio_net_hdr} that precedes it on a TUN/TAP device opened with
 * {@code IFF_VNET_HDR} (virtio 1.x, section 5.1.6 "Device Operation"): what the kernel left for the reader to do
 * (complete a checksum, cut a super-frame into segments), or what the writer asks the kernel to do.
 *
 * <pre>
 * struct virtio_net_hdr {          // all fields little-endian
 *     u8   flags;                  // NEEDS_CSUM, DATA_VALID
 *     u8   gso_type;               // NONE, TCPV4, UDP, TCPV6, UDP_L4, | ECN
 *     le16 hdr_len;                // length of the headers to repeat in each segment
 *     le16 gso_size;               // payload bytes per segment (the MSS)
 *     le16 csum_start;             // where the checksummed range starts, from the frame's first byte
 *     le16 csum_offset;            // where the checksum goes, from csum_start
 * };
 * </pre>
 *
 * <p>The header's fields are decoded into this object; {@link #content()} is the frame that follows it (an
 * Ethernet frame on a TAP device, an IP packet on a TUN device), in the very buffer it was read into: nothing is
 * copied. Offsets ({@link #csumStart()}, {@link #hdrLen()}) count from the content's reader index.
 *
 * <p>Reference counting is the content's ({@link ByteBufHolder}). Instances are pooled: when the last reference is
 * released the object goes back to its pool, so a channel firing one per frame allocates nothing. As with a pooled
 * {@link ByteBuf}, keep no reference to a frame after releasing it.
 */
public final class VirtioNetFrame implements ByteBufHolder {
    /** The length of {@code struct virtio_net_hdr}, the header a device with {@code IFF_VNET_HDR} uses here. */
    public static final int HEADER_LENGTH = 10;

    /** {@code VIRTIO_NET_HDR_F_NEEDS_CSUM}: the checksum at csum_start + csum_offset is partial, to be completed. */
    public static final int F_NEEDS_CSUM = 1;
    /** {@code VIRTIO_NET_HDR_F_DATA_VALID}: the kernel has verified the checksums already. */
    public static final int F_DATA_VALID = 2;

    /** {@code VIRTIO_NET_HDR_GSO_NONE}: one frame, no segmentation. */
    public static final int GSO_NONE = 0;
    /** {@code VIRTIO_NET_HDR_GSO_TCPV4}: a TCP over IPv4 super-frame, to be cut into gso_size segments. */
    public static final int GSO_TCPV4 = 1;
    /** {@code VIRTIO_NET_HDR_GSO_UDP}: a UDP datagram to be sent as IP fragments (UFO, obsolete). */
    public static final int GSO_UDP = 3;
    /** {@code VIRTIO_NET_HDR_GSO_TCPV6}: a TCP over IPv6 super-frame. */
    public static final int GSO_TCPV6 = 4;
    /** {@code VIRTIO_NET_HDR_GSO_UDP_L4}: UDP payload to be cut into gso_size datagrams (USO). */
    public static final int GSO_UDP_L4 = 5;
    /** {@code VIRTIO_NET_HDR_GSO_ECN}: or'ed into a TCP gso_type when the first segment carries CWR. */
    public static final int GSO_ECN = 0x80;

    private static final int FLAGS_OFFSET = 0;
    private static final int GSO_TYPE_OFFSET = 1;
    private static final int HDR_LEN_OFFSET = 2;
    private static final int GSO_SIZE_OFFSET = 4;
    private static final int CSUM_START_OFFSET = 6;
    private static final int CSUM_OFFSET_OFFSET = 8;

    private static final Recycler<VirtioNetFrame> RECYCLER = new Recycler<>() {
        @Override
        protected VirtioNetFrame newObject(Handle<VirtioNetFrame> handle) {
            return new VirtioNetFrame(handle);
        }
    };

    private final Recycler.Handle<VirtioNetFrame> handle;
    private ByteBuf content;
    private int flags;
    private int gsoType;
    private int hdrLen;
    private int gsoSize;
    private int csumStart;
    private int csumOffset;

    private VirtioNetFrame(Recycler.Handle<VirtioNetFrame> handle) {
        this.handle = handle;
    }

    /**
     * A frame with the given header fields, as a writer hands it to a device opened with {@code IFF_VNET_HDR}; takes
     * over the caller's reference to {@code frame}.
     *
     * @param flags      {@link #F_NEEDS_CSUM}, {@link #F_DATA_VALID}, both or 0
     * @param gsoType    {@link #GSO_NONE}, {@link #GSO_TCPV4}, ..., or'ed with {@link #GSO_ECN} where it applies
     * @param hdrLen     the length of the headers the kernel repeats in each segment, in bytes
     * @param gsoSize    the payload bytes per segment (the MSS), 0 without segmentation
     * @param csumStart  where the checksummed range starts, in bytes from the frame's reader index
     * @param csumOffset where the checksum goes, in bytes from {@code csumStart}
     * @param frame      the frame the header precedes (Ethernet on TAP, IP on TUN), which the result owns
     * @return a pooled holder of {@code frame}, back to its pool when released
     * @throws IllegalArgumentException if a field does not fit its width in the header
     */
    public static VirtioNetFrame newInstance(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart,
                                             int csumOffset, ByteBuf frame) {
        checkField("flags", flags, 0xff);
        checkField("gso_type", gsoType, 0xff);
        checkField("hdr_len", hdrLen, 0xffff);
        checkField("gso_size", gsoSize, 0xffff);
        checkField("csum_start", csumStart, 0xffff);
        checkField("csum_offset", csumOffset, 0xffff);
        return init(flags, gsoType, hdrLen, gsoSize, csumStart, csumOffset, frame);
    }

    private static void checkField(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " must be 0.." + max + ": " + value);
        }
    }

    private static VirtioNetFrame init(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart,
                                       int csumOffset, ByteBuf frame) {
        VirtioNetFrame instance = RECYCLER.get();
        instance.flags = flags;
        instance.gsoType = gsoType;
        instance.hdrLen = hdrLen;
        instance.gsoSize = gsoSize;
        instance.csumStart = csumStart;
        instance.csumOffset = csumOffset;
        instance.content = frame;
        return instance;
    }

    /**
     * Decodes the header at the reader index of {@code buf}, which then moves past it to the frame; takes over the
     * caller's reference to {@code buf}, which becomes the {@link #content()}.
     *
     * @param buf what a device opened with {@code IFF_VNET_HDR} read: the header, then the frame
     * @return a pooled holder of {@code buf}, back to its pool when released
     * @throws IndexOutOfBoundsException if fewer than {@link #HEADER_LENGTH} bytes are readable
     */
    public static VirtioNetFrame decode(ByteBuf buf) {
        int index = buf.readerIndex();
        VirtioNetFrame frame = init(buf.getUnsignedByte(index + FLAGS_OFFSET),
                buf.getUnsignedByte(index + GSO_TYPE_OFFSET),
                buf.getUnsignedShortLE(index + HDR_LEN_OFFSET),
                buf.getUnsignedShortLE(index + GSO_SIZE_OFFSET),
                buf.getUnsignedShortLE(index + CSUM_START_OFFSET),
                buf.getUnsignedShortLE(index + CSUM_OFFSET_OFFSET),
                buf);
        buf.skipBytes(HEADER_LENGTH);
        return frame;
    }

    /**
     * Writes this frame's header into the {@value #HEADER_LENGTH} bytes before a frame, as the writer of a device
     * opened with {@code IFF_VNET_HDR} must send it.
     *
     * @param buf   the buffer to write into; its indexes are left alone
     * @param index the absolute index of the header's first byte
     */
    public void encodeHeader(ByteBuf buf, int index) {
        buf.setByte(index + FLAGS_OFFSET, flags);
        buf.setByte(index + GSO_TYPE_OFFSET, gsoType);
        buf.setShortLE(index + HDR_LEN_OFFSET, hdrLen);
        buf.setShortLE(index + GSO_SIZE_OFFSET, gsoSize);
        buf.setShortLE(index + CSUM_START_OFFSET, csumStart);
        buf.setShortLE(index + CSUM_OFFSET_OFFSET, csumOffset);
    }

    /**
     * Writes the header of a plain frame (no checksum to complete, no segmentation): all zeros, what every frame
     * written without offloads carries on a device opened with {@code IFF_VNET_HDR}.
     *
     * @param buf   the buffer to write into; its indexes are left alone
     * @param index the absolute index of the header's first byte
     */
    public static void encodePlainHeader(ByteBuf buf, int index) {
        buf.setZero(index, HEADER_LENGTH);
    }

    /** {@return the {@code flags} field: {@link #F_NEEDS_CSUM} and {@link #F_DATA_VALID}} */
    public int flags() {
        return flags;
    }

    /**
     * {@return whether the checksum at {@code csum_start + csum_offset} holds only the pseudo-header sum, to be
     * completed}
     */
    public boolean needsCsum() {
        return (flags & F_NEEDS_CSUM) != 0;
    }

    /** {@return whether the kernel has verified the frame's checksums, so a reader need not} */
    public boolean dataValid() {
        return (flags & F_DATA_VALID) != 0;
    }

    /** {@return the {@code gso_type} field, {@link #GSO_ECN} included} */
    public int gsoType() {
        return gsoType;
    }

    /**
     * {@return the segmentation the frame needs, without the {@link #GSO_ECN} bit: {@link #GSO_NONE},
     * {@link #GSO_TCPV4}...}
     */
    public int gsoProtocol() {
        return gsoType & ~GSO_ECN;
    }

    /** {@return whether the frame is a super-frame to be cut into segments} */
    public boolean isGso() {
        return gsoProtocol() != GSO_NONE;
    }

    /**
     * {@return the {@code hdr_len} field, in bytes} Linux sets it to the length of the frame's linear part, which
     * is at least the headers but may be more, so a reader finds the headers' end from the headers themselves.
     */
    public int hdrLen() {
        return hdrLen;
    }

    /** {@return the {@code gso_size} field: the payload bytes in each segment but the last (the MSS for TCP)} */
    public int gsoSize() {
        return gsoSize;
    }

    /** {@return the {@code csum_start} field: where the checksummed range starts, from the content's reader index} */
    public int csumStart() {
        return csumStart;
    }

    /** {@return the {@code csum_offset} field: where the checksum is, in bytes from {@link #csumStart()}} */
    public int csumOffset() {
        return csumOffset;
    }

    @Override
    public ByteBuf content() {
        ByteBuf frame = content;
        if (frame == null) {
            throw new IllegalReferenceCountException(0);
        }
        return frame;
    }

    /**
     * Hands the frame over with this holder's reference, and returns the holder to its pool: for code that goes
     * on with the bare frame. Neither this object nor its header fields may be used afterwards.
     *
     * @return the frame, which the caller now owns
     * @throws IllegalReferenceCountException if this frame was released already
     */
    public ByteBuf takeContent() {
        ByteBuf frame = content();
        recycle();
        return frame;
    }

    private void recycle() {
        content = null;
        handle.recycle(this);
    }

    @Override
    public VirtioNetFrame copy() {
        return replace(content().copy());
    }

    @Override
    public VirtioNetFrame duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public VirtioNetFrame retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    /**
     * The same header fields over another frame, in a holder of its own.
     *
     * @param frame the frame the new holder owns
     * @return a pooled holder; this one is left as it is
     */
    @Override
    public VirtioNetFrame replace(ByteBuf frame) {
        return init(flags, gsoType, hdrLen, gsoSize, csumStart, csumOffset, frame);
    }

    @Override
    public int refCnt() {
        ByteBuf frame = content;
        return frame == null ? 0 : frame.refCnt();
    }

    @Override
    public VirtioNetFrame retain() {
        content().retain();
        return this;
    }

    @Override
    public VirtioNetFrame retain(int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    public VirtioNetFrame touch() {
        content().touch();
        return this;
    }

    @Override
    public VirtioNetFrame touch(Object hint) {
        content().touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return release(1);
    }

    @Override
    public boolean release(int decrement) {
        if (content().release(decrement)) {
            recycle();
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "VirtioNetFrame(flags: " + flags + ", gso_type: " + gsoType + ", hdr_len: " + hdrLen
                + ", gso_size: " + gsoSize + ", csum_start: " + csumStart + ", csum_offset: " + csumOffset
                + ", content: " + content + ')';
    }
}
