package io.netstack.tap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What went through a {@link TapChannel}, and what did not: counters a user can read from any thread while the
 * channel's event loop alone updates them (so an update is a plain add, published with opaque stores rather than
 * a locked or contended atomic on the per-frame path).
 *
 * <p>These count what the channel saw. Frames the kernel dropped before the channel could read them, or after the
 * channel wrote them, are counted by the kernel: {@link #kernelStatistics()} asks it.
 */
public final class TapChannelMetrics {
    private static final VarHandle FRAMES_READ = handle("framesRead");
    private static final VarHandle BYTES_READ = handle("bytesRead");
    private static final VarHandle FRAMES_WRITTEN = handle("framesWritten");
    private static final VarHandle BYTES_WRITTEN = handle("bytesWritten");
    private static final VarHandle OVERSIZE_DROPS = handle("oversizeDrops");
    private static final VarHandle WRITE_ERRORS = handle("writeErrors");
    private static final VarHandle TRUNCATED_DROPS = handle("truncatedDrops");

    private final TapChannel channel;
    @SuppressWarnings("unused") // accessed through the VarHandles
    private long framesRead, bytesRead, framesWritten, bytesWritten, oversizeDrops, writeErrors, truncatedDrops;

    TapChannelMetrics(TapChannel channel) {
        this.channel = channel;
    }

    private static VarHandle handle(String field) {
        try {
            return MethodHandles.lookup().findVarHandle(TapChannelMetrics.class, field, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void add(VarHandle counter, TapChannelMetrics metrics, long delta) {
        counter.setOpaque(metrics, (long) counter.getOpaque(metrics) + delta);
    }

    void frameRead(int length) {
        add(FRAMES_READ, this, 1);
        add(BYTES_READ, this, length);
    }

    void frameWritten(int length) {
        add(FRAMES_WRITTEN, this, 1);
        add(BYTES_WRITTEN, this, length);
    }

    void oversizeDropped() {
        add(OVERSIZE_DROPS, this, 1);
    }

    void writeFailed() {
        add(WRITE_ERRORS, this, 1);
    }

    void truncatedDropped() {
        add(TRUNCATED_DROPS, this, 1);
    }

    /** {@return how many frames were handed to the pipeline} */
    public long framesRead() {
        return (long) FRAMES_READ.getOpaque(this);
    }

    /**
     * {@return how many bytes were read from the device's fd} The link-layer header counts, and with
     * {@link TapChannelOption#OFFLOADS} so does each frame's {@code virtio_net_hdr}.
     */
    public long bytesRead() {
        return (long) BYTES_READ.getOpaque(this);
    }

    /** {@return how many frames the kernel accepted from the channel} */
    public long framesWritten() {
        return (long) FRAMES_WRITTEN.getOpaque(this);
    }

    /**
     * {@return how many bytes the kernel accepted from the channel's writes} Counted as {@link #bytesRead()} counts:
     * with {@link TapChannelOption#OFFLOADS}, {@code virtio_net_hdr}s included.
     */
    public long bytesWritten() {
        return (long) BYTES_WRITTEN.getOpaque(this);
    }

    /**
     * {@return how many outbound frames were refused before any syscall, being longer than the device accepts}
     * That is {@link TapChannelConfig#getMaxFrameLength()}, or a super-frame's length for a
     * {@link io.netstack.wire.VirtioNetFrame}; their promises failed with an {@link IllegalArgumentException}.
     */
    public long oversizeDrops() {
        return (long) OVERSIZE_DROPS.getOpaque(this);
    }

    /**
     * {@return how many outbound frames the kernel refused} Their promises failed with a {@link TunTapException}
     * naming the errno; the channel stayed open.
     */
    public long writeErrors() {
        return (long) WRITE_ERRORS.getOpaque(this);
    }

    /**
     * {@return how many inbound frames were dropped for being longer than the read buffer} That happens when the
     * MTU was raised from outside since the channel last looked; the channel resizes its buffers on the first such
     * frame.
     */
    public long truncatedDrops() {
        return (long) TRUNCATED_DROPS.getOpaque(this);
    }

    /**
     * The kernel's own counters of the device, read now with rtnetlink ({@code IFLA_STATS64}): a snapshot, each call
     * asks again. Unlike the counters above it costs a round trip to the kernel, and the frame path never pays it.
     *
     * <p>The kernel answers for the network namespace of the thread that asks, and the device lives in the namespace
     * of the event loop thread that bound the channel: so the question is asked on the channel's event loop (another
     * thread waits for the answer, at most 10 s), and is right whatever namespace the caller is in.
     *
     * @return the device's counters as the kernel has them now
     * @throws IllegalStateException if the channel is not bound, or closed
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked or does not answer in time
     */
    public LinkStatistics kernelStatistics() {
        return channel.lifecycle().statistics();
    }

    /**
     * Frames the kernel dropped instead of queueing them for the channel to read (the device's queue of
     * {@code txqueuelen} frames was full: the channel read too slowly); the kernel's tx_dropped of the device. Takes a
     * fresh {@link #kernelStatistics()}.
     *
     * @return the kernel's count since the device was created
     * @throws IllegalStateException             if the channel is not bound, or closed
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked or does not answer in time
     */
    public long kernelTxDropped() {
        return kernelStatistics().txDropped();
    }

    /**
     * Frames the channel wrote and the kernel then dropped on receiving them; the kernel's rx_dropped of the device.
     * Takes a fresh {@link #kernelStatistics()}.
     *
     * @return the kernel's count since the device was created
     * @throws IllegalStateException             if the channel is not bound, or closed
     * @throws io.netty.channel.ChannelException if the kernel cannot be asked or does not answer in time
     */
    public long kernelRxDropped() {
        return kernelStatistics().rxDropped();
    }

    @Override
    public String toString() {
        return "framesRead=" + framesRead() + " bytesRead=" + bytesRead() + " framesWritten=" + framesWritten()
                + " bytesWritten=" + bytesWritten() + " oversizeDrops=" + oversizeDrops()
                + " writeErrors=" + writeErrors() + " truncatedDrops=" + truncatedDrops();
    }
}
