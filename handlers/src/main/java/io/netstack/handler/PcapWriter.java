package io.netstack.handler;

import io.netstack.wire.LinkLayer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Records every frame that passes it, inbound and outbound, in the classic libpcap format that {@code tcpdump -r}
 * and Wireshark read: to a file, or to any blocking {@link WritableByteChannel} (a pipe into {@code tshark -i -},
 * a socket, memory).
 *
 * <p>The capture is written in little-endian order (readers detect the order from the magic number). Records are
 * gathered in a reusable direct buffer and written out when it fills, at the end of each read loop, on each outbound
 * flush and when the handler is removed, which Netty does when the channel closes; the output is then closed.
 * Recording allocates nothing per frame. Frames longer than the snap length are recorded truncated to it, with
 * their real length, as {@code tcpdump -s} does.
 *
 * <p>Timestamps come from {@link System#nanoTime()} anchored to the wall clock when the writer is made, so they are
 * monotonic and precise within a capture, at the cost of ignoring clock adjustments made during it.
 *
 * <p>An I/O error stops the recording, closes the output and is reported once through {@code exceptionCaught}; the
 * frames themselves always pass on unchanged.
 */
public final class PcapWriter extends ChannelDuplexHandler {
    /** The unit of the records' sub-second timestamps, which the file's magic number announces. */
    public enum Precision {
        /** Microseconds, magic {@code 0xa1b2c3d4}: the classic format, which every reader takes. */
        MICROSECONDS(0xa1b2c3d4, TimeUnit.MICROSECONDS),
        /** Nanoseconds, magic {@code 0xa1b23c4d}: read by libpcap 1.5 and later and by Wireshark. */
        NANOSECONDS(0xa1b23c4d, TimeUnit.NANOSECONDS);

        private final int magic;
        private final TimeUnit unit;

        Precision(int magic, TimeUnit unit) {
            this.magic = magic;
            this.unit = unit;
        }
    }

    /**
     * The default and largest snap length: the longest frame recorded whole, longer ones are truncated. The value
     * tcpdump uses by default.
     */
    public static final int SNAPLEN = 262_144;

    private static final int VERSION_MAJOR = 2;
    private static final int VERSION_MINOR = 4;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
    /** Records gathered before a write, at least; with a short snap length, many records go out in one write. */
    private static final int MIN_PENDING_LENGTH = 64 * 1024;

    private final Precision precision;
    private final long epochNanosAtOpen;
    private final long nanoTimeAtOpen;
    private final int snapLength;
    /** Large enough for one record of {@link #snapLength} bytes, so that a record never needs to be split. */
    private final ByteBuffer pending;
    /** {@code null} once closed or failed. */
    private WritableByteChannel out;
    private long framesRecorded;

    /**
     * Creates (or truncates) {@code path} and writes the file header, with microsecond timestamps and the largest
     * snap length.
     *
     * @param path     the capture file
     * @param linkType what the frames start with: {@link LinkLayer#ETHERNET} on a TAP device,
     *                 {@link LinkLayer#IP} on a TUN device
     * @throws IOException if the file cannot be opened or the header written
     */
    public PcapWriter(Path path, LinkLayer linkType) throws IOException {
        this(path, linkType, Precision.MICROSECONDS);
    }

    /**
     * Creates (or truncates) {@code path} and writes the file header, with the largest snap length.
     *
     * @param path      the capture file
     * @param linkType  what the frames start with: {@link LinkLayer#ETHERNET} on a TAP device,
     *                  {@link LinkLayer#IP} on a TUN device
     * @param precision the unit of the timestamps
     * @throws IOException if the file cannot be opened or the header written
     */
    public PcapWriter(Path path, LinkLayer linkType, Precision precision) throws IOException {
        this(FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE), linkType, precision, SNAPLEN);
    }

    /**
     * Writes the file header to {@code out} and records to it from then on, keeping at most {@code snapLength}
     * bytes of each frame. The writer owns {@code out} and closes it when it is removed, or here if the header
     * cannot be written.
     *
     * @param out        a blocking channel: a write that takes nothing would be retried until it does
     * @param linkType   what the frames start with: {@link LinkLayer#ETHERNET} on a TAP device,
     *                   {@link LinkLayer#IP} on a TUN device
     * @param precision  the unit of the timestamps
     * @param snapLength from 1 to {@link #SNAPLEN}
     * @throws IllegalArgumentException if {@code snapLength} is out of range; {@code out} is then closed, as on any
     *                                  failure here
     * @throws IOException              if the header cannot be written
     */
    public PcapWriter(WritableByteChannel out, LinkLayer linkType, Precision precision, int snapLength)
            throws IOException {
        this.out = Objects.requireNonNull(out, "out");
        try {
            if (snapLength < 1 || snapLength > SNAPLEN) {
                throw new IllegalArgumentException("snap length " + snapLength + " is outside 1.." + SNAPLEN);
            }
            this.precision = Objects.requireNonNull(precision, "precision");
            this.snapLength = snapLength;
            pending = ByteBuffer.allocateDirect(Math.max(RECORD_HEADER_LENGTH + snapLength, MIN_PENDING_LENGTH))
                    .order(ByteOrder.LITTLE_ENDIAN);
            Instant now = Instant.now();
            nanoTimeAtOpen = System.nanoTime();
            epochNanosAtOpen = TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
            pending.putInt(precision.magic)
                    .putShort((short) VERSION_MAJOR)
                    .putShort((short) VERSION_MINOR)
                    .putInt(0) // thiszone: timestamps are UTC
                    .putInt(0) // sigfigs: always 0
                    .putInt(snapLength)
                    .putInt(pcapLinkType(linkType));
            drain();
        } catch (IOException | RuntimeException e) {
            // Nothing is left open behind a writer that was never made.
            try {
                out.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        record(ctx, msg);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        record(ctx, msg);
        ctx.write(msg, promise);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        drain(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        drain(ctx);
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (out != null) {
            drain(ctx);
            closeOutput(ctx);
        }
    }

    /** {@return how many frames were recorded so far; read it on the channel's event loop} */
    public long framesRecorded() {
        return framesRecorded;
    }

    private void record(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = InboundFrame.frameOf(msg);
        if (frame == null || out == null) {
            return;
        }
        int length = frame.readableBytes();
        int captured = Math.min(length, snapLength);
        if (pending.remaining() < RECORD_HEADER_LENGTH + captured && !drain(ctx)) {
            return;
        }
        long timestamp = epochNanosAtOpen + (System.nanoTime() - nanoTimeAtOpen);
        pending.putInt((int) (timestamp / NANOS_PER_SECOND))
                .putInt((int) precision.unit.convert(timestamp % NANOS_PER_SECOND, TimeUnit.NANOSECONDS))
                .putInt(captured)
                .putInt(length);
        int limit = pending.limit();
        pending.limit(pending.position() + captured);
        frame.getBytes(frame.readerIndex(), pending);
        pending.limit(limit);
        framesRecorded++;
    }

    /** Writes the pending records out; on failure stops recording. Returns whether recording goes on. */
    private boolean drain(ChannelHandlerContext ctx) {
        if (out == null) {
            return false;
        }
        try {
            drain();
            return true;
        } catch (IOException e) {
            closeOutput(ctx);
            ctx.fireExceptionCaught(e);
            return false;
        }
    }

    private void drain() throws IOException {
        pending.flip();
        while (pending.hasRemaining()) {
            out.write(pending);
        }
        pending.clear();
    }

    private void closeOutput(ChannelHandlerContext ctx) {
        WritableByteChannel closing = out;
        out = null;
        try {
            closing.close();
        } catch (IOException e) {
            ctx.fireExceptionCaught(e);
        }
    }

    /** The file header's link type: {@code LINKTYPE_ETHERNET} (1) for TAP, {@code LINKTYPE_RAW} (101) for TUN. */
    private static int pcapLinkType(LinkLayer linkLayer) {
        return switch (linkLayer) {
            case ETHERNET -> 1;
            case IP -> 101;
        };
    }
}
