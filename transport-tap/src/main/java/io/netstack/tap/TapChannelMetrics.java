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

    /**
     * Frames handed to the pipeline.
     *
     * @return the count
     */
    public long framesRead() {
        return (long) FRAMES_READ.getOpaque(this);
    }

    /**
     * Bytes read from the device's fd: with {@link TapChannelOption#OFFLOADS}, vnet headers included.
     *
     * @return the count
     */
    public long bytesRead() {
        return (long) BYTES_READ.getOpaque(this);
    }

    /**
     * Frames the kernel accepted.
     *
     * @return the count
     */
    public long framesWritten() {
        return (long) FRAMES_WRITTEN.getOpaque(this);
    }

    /**
     * Bytes written to the device's fd: with {@link TapChannelOption#OFFLOADS}, vnet headers included.
     *
     * @return the count
     */
    public long bytesWritten() {
        return (long) BYTES_WRITTEN.getOpaque(this);
    }

    /**
     * Frames refused before any syscall because they were longer than the device allows.
     *
     * @return the count
     */
    public long oversizeDrops() {
        return (long) OVERSIZE_DROPS.getOpaque(this);
    }

    /**
     * Frames the kernel refused (their promises failed with the errno); the channel stayed open.
     *
     * @return the count
     */
    public long writeErrors() {
        return (long) WRITE_ERRORS.getOpaque(this);
    }

    /**
     * Inbound frames dropped because they were longer than the read buffer: the MTU was raised from outside since
     * the channel last looked. The channel resizes its buffers on the first such frame.
     *
     * @return the count
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
     * @return the kernel's count
     */
    public long kernelTxDropped() {
        return kernelStatistics().txDropped();
    }

    /**
     * Frames the channel wrote and the kernel then dropped on receiving them; the kernel's rx_dropped of the device.
     * Takes a fresh {@link #kernelStatistics()}.
     *
     * @return the kernel's count
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
