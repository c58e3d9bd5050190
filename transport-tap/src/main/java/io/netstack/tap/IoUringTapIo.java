package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.KernelTimespec;
import io.netstack.tap.linux.TunTapDevice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;

import java.util.concurrent.TimeUnit;

/**
 * A TapChannel on Netty's io_uring loop: an {@link IoUringMultishotRead} takes frames for as long as the device has
 * them (or {@link IoUringSingleReads}, for large frames, {@code read()} on demand and older kernels), and
 * {@link IoUringWrites} submits each flush as one batch. No syscall per frame on either side. This class owns the
 * registration: it routes each completion to its owner by opcode, keeps the device check armed, and lets the fd go
 * only once the loop reports that no operation on it is outstanding.
 *
 * <p>The user data of a read is its slot ({@code 0..depth-1}), of a write its slot offset by {@link #WRITE_BASE};
 * the other operations have constants of their own (Netty's io_uring loop keeps user data that fits in 16 bits on
 * its fast path). Every buffer stays referenced until its completion arrives.
 */
final class IoUringTapIo extends TapIo implements IoUringIoHandle {
    static final int WRITE_BASE = 1024;
    static final int POLL_SLOT = 2048;
    static final short MULTISHOT_SLOT = 2050;
    static final short PROVIDE_SLOT = 2051;
    static final short REMOVE_SLOT = 2052;
    private static final int CANCEL_SLOT = 2049;
    private static final short DEVICE_CHECK_SLOT = 2053;
    /**
     * {@link DeviceLifecycle#DEVICE_CHECK_MILLIS} for the device check's timeout operation. Not a task scheduled on
     * the loop: while one is, Netty's io_uring loop submits a timeout operation with every wait for completions (a
     * kernel timer and one more completion each, thousands a second on a busy channel), and its kind, a timeout that
     * also ends at the next completion, has the kernel check the ring's timeouts at every completion from then on.
     */
    private static final long DEVICE_CHECK_INTERVAL =
            KernelTimespec.constant(TimeUnit.MILLISECONDS.toNanos(DeviceLifecycle.DEVICE_CHECK_MILLIS));

    private final Runnable readCompleteTask = this::readComplete;
    private final IoUringSingleReads singleReads;
    private final IoUringMultishotRead multishot = new IoUringMultishotRead(this);
    private final IoUringWrites writes = new IoUringWrites(this);
    private boolean readCompletePending;
    private int cancelsInFlight;
    private boolean deviceCheckArmed;
    private long deviceCheckId;
    private boolean closeWhenUnregistered;
    private Runnable whenQuiet;
    /** The channel is closing: nothing new is submitted, what is in flight finishes or is cancelled. */
    private boolean closing;

    private IoUringTapIo(TapChannel channel) {
        super(channel);
        singleReads = new IoUringSingleReads(this, config.getIoUringReadDepth());
    }

    static TapIo create(TapChannel channel) {
        return new IoUringTapIo(channel);
    }

    static boolean isCompatible(IoEventLoop loop) {
        return loop.isCompatible(IoUringTapIo.class);
    }

    static boolean isAvailable() {
        return IoUring.isAvailable();
    }

    static Throwable unavailabilityCause() {
        return IoUring.unavailabilityCause();
    }

    @Override
    void onRegistered() {
        // Reads start when the channel asks for them (auto-read or read()).
        armDeviceCheck();
    }

    /** Submits {@code ops}; returns its id, or {@link IoUringOps#INVALID_ID} if it was not taken. */
    long submit(IoUringIoOps ops) {
        IoRegistration current = registration;
        return current == null ? IoUringOps.INVALID_ID : current.submit(ops);
    }

    /** Asks the kernel to cancel the operation {@code target}; it completes on its own, with -ECANCELED. */
    void cancel(long target) {
        if (submit(IoUringOps.cancel(target, CANCEL_SLOT)) != IoUringOps.INVALID_ID) {
            cancelsInFlight++;
        }
    }

    @Override
    boolean isClosing() {
        return closing;
    }

    /** Whether a frame that completes now goes to the pipeline. */
    boolean isReading() {
        return channel.isActive() && !closing;
    }

    private void armDeviceCheck() {
        if (!closing) {
            deviceCheckId = submit(IoUringOps.timeout(DEVICE_CHECK_INTERVAL, DEVICE_CHECK_SLOT));
            deviceCheckArmed = deviceCheckId != IoUringOps.INVALID_ID;
        }
    }

    /** The device check's timeout expired (or was cancelled, as the channel closes). */
    private void deviceCheckCompleted(int result) {
        deviceCheckArmed = false;
        if (result == -Errno.ETIME) {
            checkDeviceWhenQuiet();
            armDeviceCheck();
        }
    }

    @Override
    void startReading() {
        fillReads();
    }

    /** Keeps the reads the pipeline wants in flight: the multishot read while it can, else single reads. */
    void fillReads() {
        if (registration == null || !channel.isActive() || singleReads.isPolling() || closing) {
            return;
        }
        boolean autoRead = config.isAutoRead();
        if (autoRead && multishot.keepArmed()) {
            return;
        }
        singleReads.fill(autoRead);
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event;
        int data = (int) completion.userData();
        switch (completion.opcode()) {
            case IoUringOps.IORING_OP_READ -> singleReads.completed(data, completion.res());
            case IoUringOps.IORING_OP_READ_MULTISHOT -> multishot.completed(completion.res(), completion.flags());
            case IoUringOps.IORING_OP_PROVIDE_BUFFERS -> multishot.provideCompleted(completion.res());
            case IoUringOps.IORING_OP_REMOVE_BUFFERS -> multishot.removeCompleted();
            case IoUringOps.IORING_OP_WRITE -> writes.completed(data - WRITE_BASE, completion.res());
            case IoUringOps.IORING_OP_POLL_ADD -> singleReads.pollCompleted();
            // The cancelled operation completes on its own, with -ECANCELED.
            case IoUringOps.IORING_OP_ASYNC_CANCEL -> cancelsInFlight--;
            case IoUringOps.IORING_OP_TIMEOUT -> deviceCheckCompleted(completion.res());
            default -> throw new IllegalStateException("unexpected completion " + completion);
        }
        checkQuiet();
    }

    /** Hands a frame to the pipeline; the pipeline hears "read complete" once per loop turn that brought frames. */
    void deliver(ByteBuf frame, int length, boolean whole) {
        singleReads.countFrame();
        if (frameRead(frame, length, whole) && !readCompletePending) {
            readCompletePending = true;
            channel.eventLoop().execute(readCompleteTask);
        }
    }

    private void readComplete() {
        readCompletePending = false;
        multishot.giveBackSlots();
        singleReads.turnEnded();
        readComplete(channel.unsafe().recvBufAllocHandle());
        fillReads();
    }

    @Override
    boolean isFlushPending() {
        return writes.isInFlight();
    }

    /** Submits the flushed frames as one batch; iterated here, one call level above the writes' submissions. */
    @Override
    void write(ChannelOutboundBuffer in) throws Exception {
        if (writes.startBatch()) {
            in.forEachFlushedMessage(writes);
        }
    }

    /** Cancels the reads in flight; if a {@code read()} is pending, one read is submitted again afterwards. */
    @Override
    void stopReading() {
        cancelReads();
    }

    /** Asks the kernel to cancel every read in flight, single or multishot, and the readiness poll. */
    void cancelReads() {
        singleReads.cancelAll();
        multishot.cancel();
    }

    /** For good: cancels the reads in flight and the device check, and takes the multishot read's slots back. */
    private void endAll() {
        cancelReads();
        if (deviceCheckArmed) {
            cancel(deviceCheckId);
        }
        multishot.remove();
    }

    @Override
    boolean quiesce(Runnable then) {
        if (registration == null || !registration.isValid() || isQuiet()) {
            return false;
        }
        closing = true;
        whenQuiet = then;
        endAll();
        return true;
    }

    private boolean isQuiet() {
        return singleReads.isQuiet() && !writes.isInFlight() && cancelsInFlight == 0 && multishot.isQuiet()
                && !deviceCheckArmed;
    }

    /** Runs what waited for the last operation in flight to finish. */
    private void checkQuiet() {
        if (whenQuiet != null && isQuiet()) {
            Runnable then = whenQuiet;
            whenQuiet = null;
            then.run();
        }
    }

    @Override
    void deregister(TunTapDevice device) {
        IoRegistration current = registration;
        if (current == null) {
            channel.lifecycle().closeFd(device);
            return;
        }
        // Before Netty's close releases the frames of the outbound buffer.
        writes.hold();
        // First, as once the registration is cancelled it accepts no more submissions.
        endAll();
        registration = null;
        closeWhenUnregistered = device != null;
        current.cancel();
    }

    /** Every operation has completed: now the fd can go. */
    @Override
    public void unregistered() {
        singleReads.unregistered();
        writes.unregistered();
        multishot.unregistered();
        cancelsInFlight = 0;
        deviceCheckArmed = false;
        if (closeWhenUnregistered) {
            closeWhenUnregistered = false;
            channel.lifecycle().closeFd(device);
        }
    }
}
