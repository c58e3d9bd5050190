package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.KernelTimespec;
import io.netstack.tap.linux.TunTapDevice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A TapChannel on Netty's io_uring loop: one multishot read takes frames for as long as the device has them, and
 * each flush submits its frames as one batch of writes that the loop hands to the kernel with a single
 * {@code io_uring_enter}. No syscall per frame on either side.
 *
 * <p>The multishot read ({@code IORING_OP_READ_MULTISHOT}, Linux 6.7) puts frames into {@link ProvidedBuffers}, from
 * which the channel copies each into a buffer of its allocator: for frames up to {@link #MULTISHOT_MAX_FRAME} bytes the
 * copy costs less than what it saves, one armed poll on the device instead of one per read in flight (tun wakes every
 * one of them for each frame). Larger frames, {@code read()} on demand, and kernels without multishot reads use
 * single reads into the frame's own buffer, several in flight.
 *
 * <p>Operations are told apart by their user data: reads by slot ({@code 0..depth-1}), writes by slot offset by {@link
 * #WRITE_BASE}, the readiness poll and cancellations by constants of their own (Netty's io_uring loop keeps user data
 * that fits in 16 bits on its fast path). Every buffer stays referenced until its completion arrives, and the device's
 * fd is closed only once the loop reports that no operation on it is outstanding.
 */
final class IoUringTapIo extends TapIo implements IoUringIoHandle, ChannelOutboundBuffer.MessageProcessor {
    private static final byte IORING_OP_POLL_ADD = 6;
    private static final byte IORING_OP_TIMEOUT = 11;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final byte IORING_OP_READ = 22;
    private static final byte IORING_OP_WRITE = 23;
    private static final byte IORING_OP_READ_MULTISHOT = 49;
    private static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    private static final int IORING_CQE_F_BUFFER = 1;
    private static final int IORING_CQE_F_MORE = 2;
    private static final int IORING_CQE_BUFFER_SHIFT = 16;
    private static final int POLLIN = 0x1;
    /** The largest read buffer (frame and vnet header) a multishot read copies out of; larger ones are read in place. */
    private static final int MULTISHOT_MAX_FRAME = 4096;
    /** Slots lent to a multishot read; the used ones go back once per loop turn, in chunks. */
    private static final int MULTISHOT_SLOTS = 128;
    /** Writes in flight at once; a flush with more frames continues when they complete. */
    static final int WRITE_DEPTH = 64;
    private static final int WRITE_BASE = 1024;
    private static final int POLL_SLOT = 2048;
    private static final int CANCEL_SLOT = 2049;
    private static final short MULTISHOT_SLOT = 2050;
    private static final short PROVIDE_SLOT = 2051;
    private static final short REMOVE_SLOT = 2052;
    private static final short DEVICE_CHECK_SLOT = 2053;
    /**
     * {@link TapChannel#DEVICE_CHECK_MILLIS} for the device check's timeout operation. Not a task scheduled on the
     * loop: while one is, Netty's io_uring loop submits a timeout operation with every wait for completions (a kernel
     * timer and one more completion each, thousands a second on a busy channel), and its kind, a timeout that also
     * ends at the next completion, has the kernel check the ring's timeouts at every completion from then on.
     */
    private static final long DEVICE_CHECK_INTERVAL =
            KernelTimespec.constant(TimeUnit.MILLISECONDS.toNanos(TapChannel.DEVICE_CHECK_MILLIS));
    private static final long INVALID_ID = 0;

    private final Runnable readCompleteTask = this::readComplete;
    private final Predicate<IoUringIoOps> provideSubmitter = this::submitProvide;
    private final ByteBuf[] reads;
    private final long[] readIds;
    private final ByteBuf[] writes = new ByteBuf[WRITE_DEPTH];
    private final int[] writeResults = new int[WRITE_DEPTH];
    private int readsInFlight;
    /**
     * How many reads to keep in flight now, from 1 to the configured depth. Every read waiting on an idle device is
     * woken by each frame that arrives (io_uring arms a poll per read, and tun wakes them all), and all but one go
     * back to waiting, so an idle or keeping-up channel keeps few; a loop turn whose reads all came back with frames
     * means a backlog, and the channel doubles its reads to take more frames per turn.
     */
    private int readTarget = 1;
    private int framesThisTurn;
    private int cancelsInFlight;
    private boolean pollInFlight;
    private long pollId;
    private boolean readCompletePending;
    /** The multishot read's buffers, from its first use until the kernel has given them all back. */
    private ProvidedBuffers provided;
    private boolean multishotArmed;
    private boolean multishotCancelled;
    private long multishotId;
    private int providesInFlight;
    private boolean removeInFlight;
    private boolean deviceCheckArmed;
    private long deviceCheckId;
    /** Single reads from now on: the kernel refused a multishot read or its buffers, or frames outgrew the slots. */
    private boolean multishotRetired;
    private int writeHead;
    private int writesInFlight;
    private int writesSubmittedThisFlush;
    /**
     * The writes in flight hold a reference of their own to their frames: taken when the channel leaves the loop
     * with writes in flight, as Netty's close then fails and releases the frames that the kernel may not have read
     * yet. Otherwise the outbound buffer's reference keeps a frame alive until its completion, which removes it.
     */
    private boolean writesHeld;
    private boolean closeWhenUnregistered;
    private Runnable whenQuiet;
    /** The channel is closing: nothing new is submitted, what is in flight finishes or is cancelled. */
    private boolean closing;
    /** The first read or write that failed for good; the writes after it fail with the same cause, told once. */
    private TunTapException deviceGone;

    IoUringTapIo(TapChannel channel) {
        super(channel);
        int depth = channel.config().getIoUringReadDepth();
        reads = new ByteBuf[depth];
        readIds = new long[depth];
    }

    @Override
    void onRegistered() {
        // Reads start when the channel asks for them (auto-read or read()).
        armDeviceCheck();
    }

    private void armDeviceCheck() {
        if (registration != null && !closing) {
            deviceCheckId = registration.submit(new IoUringIoOps(IORING_OP_TIMEOUT, (byte) 0, (short) 0, -1, 0L,
                    DEVICE_CHECK_INTERVAL, 1, 0, DEVICE_CHECK_SLOT, (short) 0, (short) 0, 0, 0L));
            deviceCheckArmed = deviceCheckId != INVALID_ID;
        }
    }

    /** The device check's timeout expired (or was cancelled, as the channel closes). */
    private void deviceCheckCompleted(int result) {
        deviceCheckArmed = false;
        if (result == -Errno.ETIME) {
            channel.checkDeviceWhenQuiet();
            armDeviceCheck();
        }
    }

    @Override
    void beginRead() {
        fillReads();
    }

    /**
     * Keeps reads in flight: {@link #readTarget} of them while auto-read is on, one per {@code read()} otherwise (so
     * a pipeline that reads on demand gets one frame per request, as on any Netty channel).
     */
    private void fillReads() {
        if (registration == null || !channel.isActive() || pollInFlight || closing) {
            return;
        }
        boolean autoRead = channel.config().isAutoRead();
        if (autoRead && readByMultishot()) {
            return;
        }
        if (!autoRead && (!channel.isReadPending() || readsInFlight > 0)) {
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = channel.unsafe().recvBufAllocHandle();
        // Sizes the buffers by the device's current MTU.
        allocHandle.reset(channel.config());
        for (int slot = 0; slot < reads.length && readsInFlight < readTarget; slot++) {
            if (reads[slot] == null) {
                submitRead(slot, allocHandle);
                if (!autoRead) {
                    return;
                }
            }
        }
    }

    /**
     * Keeps the multishot read armed, lending it its buffers first; returns {@code false} when this channel reads
     * with single reads instead.
     */
    private boolean readByMultishot() {
        if (multishotRetired) {
            return false;
        }
        if (provided == null) {
            int bufferLength = channel.config().readBufferLength();
            if (bufferLength > MULTISHOT_MAX_FRAME) {
                return false;
            }
            provided = ProvidedBuffers.allocate(channel.config().getAllocator(), MULTISHOT_SLOTS, bufferLength,
                    PROVIDE_SLOT);
            if (provided == null) {
                multishotRetired = true;
                return false;
            }
            // The read is armed once the kernel has the buffers (the provide's completion calls back here).
            if (!submitProvide(provided.provideAll())) {
                provided.release();
                provided = null;
                return false;
            }
            return true;
        }
        if (channel.config().readBufferLength() > provided.slotLength()) {
            // The MTU grew past the slots.
            retireMultishot();
            return false;
        }
        if (multishotArmed || providesInFlight > 0 || removeInFlight) {
            return true;
        }
        long id = registration.submit(new IoUringIoOps(IORING_OP_READ_MULTISHOT, IOSQE_BUFFER_SELECT, (short) 0,
                device.fd(), 0L, 0L, 0, 0, MULTISHOT_SLOT, provided.group(), (short) 0, 0, 0L));
        if (id == INVALID_ID) {
            return false;
        }
        multishotArmed = true;
        multishotCancelled = false;
        multishotId = id;
        return true;
    }

    private boolean submitProvide(IoUringIoOps provide) {
        if (registration == null || registration.submit(provide) == INVALID_ID) {
            return false;
        }
        providesInFlight++;
        return true;
    }

    private void submitRead(int slot, RecvByteBufAllocator.Handle allocHandle) {
        ByteBuf frame = channel.allocateFrame(allocHandle);
        long id = registration.submit(new IoUringIoOps(IORING_OP_READ, (byte) 0, (short) 0, device.fd(), 0L,
                frame.memoryAddress() + frame.writerIndex(), frame.writableBytes(), 0, slot,
                (short) 0, (short) 0, 0, 0L));
        if (id == INVALID_ID) {
            frame.release();
            return;
        }
        reads[slot] = frame;
        readIds[slot] = id;
        readsInFlight++;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event;
        int slot = (int) completion.userData();
        switch (completion.opcode()) {
            case IORING_OP_READ -> readCompleted(slot, completion.res());
            case IORING_OP_READ_MULTISHOT -> multishotCompleted(completion.res(), completion.flags());
            case ProvidedBuffers.IORING_OP_PROVIDE_BUFFERS -> provideCompleted(completion.res());
            case ProvidedBuffers.IORING_OP_REMOVE_BUFFERS -> removeCompleted();
            case IORING_OP_WRITE -> writeCompleted(slot - WRITE_BASE, completion.res());
            case IORING_OP_POLL_ADD -> {
                pollInFlight = false;
                fillReads();
            }
            // The cancelled read completes on its own, with -ECANCELED.
            case IORING_OP_ASYNC_CANCEL -> cancelsInFlight--;
            case IORING_OP_TIMEOUT -> deviceCheckCompleted(completion.res());
            default -> throw new IllegalStateException("unexpected completion " + completion);
        }
        checkQuiet();
    }

    private void readCompleted(int slot, int result) {
        ByteBuf frame = reads[slot];
        reads[slot] = null;
        readsInFlight--;
        if (result > 0 && channel.isActive() && !closing) {
            framesThisTurn++;
            if (channel.frameRead(frame, result)) {
                readCompleteThisTurn();
            }
            if (!channel.config().isAutoRead() && !channel.isReadPending()) {
                // The one frame asked for has come: the other reads in flight must not hand over more.
                cancelReads();
            }
            fillReads();
            return;
        }
        frame.release();
        if (result == -Errno.ECANCELED) {
            fillReads();
        } else if (result == -Errno.EAGAIN) {
            // Older kernels complete a read of a non-blocking tun fd at once: wait for readiness, then read again.
            pollForInput();
        } else if (result < 0 && result != -Errno.ECANCELED && channel.isActive() && !closing) {
            // The first failed read tells the pipeline and closes; the other reads in flight fail the same way, and
            // the writes in flight fail with the cause the pipeline saw.
            deviceGone = channel.readFailed(-result);
        }
    }

    /** One frame of the multishot read, or its end (no {@code IORING_CQE_F_MORE}). */
    private void multishotCompleted(int result, int flags) {
        boolean more = (flags & IORING_CQE_F_MORE) != 0;
        if (!more) {
            multishotArmed = false;
        }
        if ((flags & IORING_CQE_F_BUFFER) != 0 && provided != null) {
            multishotFrame(flags >>> IORING_CQE_BUFFER_SHIFT, result);
        }
        if (result < 0) {
            if (result == -Errno.ENOBUFS) {
                // Every slot is out with a frame: give them back now, and the read is armed again after.
                giveBackSlots();
            } else if (result == -Errno.EINVAL || result == -Errno.EOPNOTSUPP) {
                // A kernel before 6.7. (Its other refusal, EBADFD for a file that cannot be polled, is not for tun:
                // from tun, EBADFD means the device was deleted, and goes to the pipeline below.)
                retireMultishot();
            } else if (result != -Errno.ECANCELED && channel.isActive() && !closing) {
                deviceGone = channel.readFailed(-result);
            }
        }
        if (!multishotArmed) {
            fillReads();
        }
    }

    private void multishotFrame(int slot, int length) {
        if (length <= 0 || !channel.isActive() || closing) {
            provided.used(slot);
            return;
        }
        if (channel.cutShort(length, provided.slotLength())) {
            // The MTU grew past the slots.
            provided.used(slot);
            retireMultishot();
            return;
        }
        ByteBuf frame = channel.config().getAllocator().directBuffer(length);
        provided.copyOut(slot, length, frame);
        framesThisTurn++;
        if (channel.wholeFrameRead(frame, length)) {
            readCompleteThisTurn();
        }
    }

    /** Single reads from now on, into buffers sized by the current MTU; the slots go back to the allocator. */
    private void retireMultishot() {
        multishotRetired = true;
        removeProvided();
    }

    /** Lends the slots used since the last time back to the kernel, unless the channel is done with them. */
    private void giveBackSlots() {
        if (provided != null && !closing && !multishotRetired && !removeInFlight) {
            provided.giveBack(provideSubmitter);
        }
    }

    private void provideCompleted(int result) {
        providesInFlight--;
        if (result < 0) {
            // Out of memory, or a group id that something other than Netty took for a buffer ring of this ring:
            // read with single reads.
            retireMultishot();
        }
        fillReads();
    }

    /**
     * Takes the slots back from the kernel, cancelling the multishot read first. The kernel runs the two in the order
     * of submission, each at once, after any provide submitted before: a cancelled read holds no slot, so the removal
     * takes every slot the kernel has, in the same loop turn.
     */
    private void removeProvided() {
        if (provided == null || removeInFlight || registration == null) {
            return;
        }
        cancelMultishot();
        if (registration.submit(provided.remove(REMOVE_SLOT)) != INVALID_ID) {
            removeInFlight = true;
        }
    }

    private void cancelMultishot() {
        if (multishotArmed && !multishotCancelled) {
            multishotCancelled = true;
            cancel(multishotId);
        }
    }

    private void removeCompleted() {
        removeInFlight = false;
        if (provided != null) {
            provided.release();
            provided = null;
        }
        fillReads();
    }

    private void pollForInput() {
        if (!pollInFlight && registration != null) {
            pollId = registration.submit(new IoUringIoOps(IORING_OP_POLL_ADD, (byte) 0, (short) 0,
                    device.fd(), 0L, 0L, 0, POLLIN, POLL_SLOT, (short) 0, (short) 0, 0, 0L));
            pollInFlight = pollId != INVALID_ID;
        }
    }

    /** Completions arrive one by one; the pipeline hears "read complete" once per loop turn that brought frames. */
    private void readCompleteThisTurn() {
        if (!readCompletePending) {
            readCompletePending = true;
            channel.eventLoop().execute(readCompleteTask);
        }
    }

    private void readComplete() {
        readCompletePending = false;
        giveBackSlots();
        adaptReadTarget();
        RecvByteBufAllocator.Handle allocHandle = channel.unsafe().recvBufAllocHandle();
        allocHandle.readComplete();
        channel.pipeline().fireChannelReadComplete();
        fillReads();
    }

    /** Once per loop turn that brought frames: more reads after a turn that used them all, fewer after a thin one. */
    private void adaptReadTarget() {
        if (framesThisTurn >= readTarget) {
            readTarget = Math.min(reads.length, readTarget * 2);
        } else if (framesThisTurn < readTarget / 2) {
            readTarget = Math.max(1, readTarget / 2);
        }
        framesThisTurn = 0;
    }

    @Override
    boolean isFlushPending() {
        return writesInFlight > 0;
    }

    @Override
    void write(ChannelOutboundBuffer in) throws Exception {
        if (writesInFlight > 0 || registration == null || closing) {
            return;
        }
        writesSubmittedThisFlush = 0;
        writeHead = 0;
        in.forEachFlushedMessage(this);
    }

    /** Submits one flushed frame; {@link ChannelOutboundBuffer#forEachFlushedMessage} calls it in order. */
    @Override
    public boolean processMessage(Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        int slot = writesSubmittedThisFlush;
        long id = registration.submit(new IoUringIoOps(IORING_OP_WRITE, (byte) 0, (short) 0, device.fd(), 0L,
                frame.memoryAddress() + frame.readerIndex(), frame.readableBytes(), 0, WRITE_BASE + slot,
                (short) 0, (short) 0, 0, 0L));
        if (id == INVALID_ID) {
            return false;
        }
        // The kernel reads the frame when the loop submits the batch; the outbound buffer keeps it until then.
        writes[slot] = frame;
        writeResults[slot] = Integer.MIN_VALUE;
        writesInFlight++;
        return ++writesSubmittedThisFlush < WRITE_DEPTH;
    }

    /**
     * Records a write's result, then settles the promises of the frames at the head of the outbound buffer whose
     * writes have all completed, in order (completions may arrive in any order).
     */
    private void writeCompleted(int slot, int result) {
        writeResults[slot] = result;
        ChannelOutboundBuffer in = channel.unsafe().outboundBuffer();
        while (writeHead < writesSubmittedThisFlush && writeResults[writeHead] != Integer.MIN_VALUE) {
            ByteBuf frame = writes[writeHead];
            int written = writeResults[writeHead];
            writes[writeHead] = null;
            writeHead++;
            writesInFlight--;
            int length = frame.readableBytes();
            if (writesHeld) {
                frame.release();
            }
            if (in == null) {
                continue; // closed meanwhile: the promises have failed already
            }
            if (written >= 0) {
                channel.metrics().frameWritten(length);
                in.remove();
            } else if (TapChannel.isFrameError(-written)) {
                channel.metrics().writeFailed();
                in.remove(channel.writeFailure(length, -written));
            } else {
                if (deviceGone == null && closing) {
                    // Closed by the user while this write was in flight: nothing to tell the pipeline.
                    deviceGone = channel.writeFailure(length, -written);
                } else if (deviceGone == null) {
                    deviceGone = channel.deviceFailedOnWrite(-written);
                    in.remove(deviceGone);
                    channel.closeBecause(deviceGone);
                    continue;
                }
                in.remove(deviceGone);
            }
        }
        if (writesInFlight == 0) {
            writesHeld = false;
            if (in != null && !in.isEmpty() && !closing) {
                channel.flushNow();
            }
        }
    }

    /** Keeps the frames of the writes in flight alive on their own, whatever happens to the outbound buffer. */
    private void holdWritesInFlight() {
        if (writesHeld) {
            return;
        }
        // The writes in flight are those from the head on; the ones before it have completed and are settled.
        for (int slot = writeHead; slot < writesSubmittedThisFlush; slot++) {
            writes[slot].retain();
        }
        writesHeld = writesInFlight > 0;
    }

    /** Cancels the reads in flight; if a {@code read()} is pending, one read is submitted again afterwards. */
    @Override
    void stopReading() {
        cancelReads();
    }

    /** Asks the kernel to cancel every read (and readiness poll) in flight; each completes with -ECANCELED. */
    private void cancelReads() {
        for (int slot = 0; slot < reads.length; slot++) {
            if (reads[slot] != null) {
                cancel(readIds[slot]);
            }
        }
        if (pollInFlight) {
            cancel(pollId);
        }
        cancelMultishot();
    }

    /** For good: cancels the reads in flight and the device check, and takes the multishot read's slots back. */
    private void endAll() {
        cancelReads();
        if (deviceCheckArmed) {
            cancel(deviceCheckId);
        }
        removeProvided();
    }

    private void cancel(long target) {
        IoRegistration current = registration;
        if (current != null && current.submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L,
                target, 0, 0, CANCEL_SLOT, (short) 0, (short) 0, 0, 0L)) != INVALID_ID) {
            cancelsInFlight++;
        }
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
        return readsInFlight == 0 && writesInFlight == 0 && cancelsInFlight == 0 && !pollInFlight
                && !multishotArmed && providesInFlight == 0 && provided == null && !deviceCheckArmed;
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
            channel.closeDevice(device);
            return;
        }
        // Before Netty's close releases the frames of the outbound buffer.
        holdWritesInFlight();
        // First, as once the registration is cancelled it accepts no more submissions.
        endAll();
        registration = null;
        closeWhenUnregistered = device != null;
        current.cancel();
    }

    /** Every operation has completed: now the fd can go. */
    @Override
    public void unregistered() {
        for (int slot = 0; slot < reads.length; slot++) {
            if (reads[slot] != null) {
                reads[slot].release();
                reads[slot] = null;
            }
        }
        readsInFlight = 0;
        if (writesHeld) {
            // Completions the ring's end took with it.
            for (int slot = writeHead; slot < writesSubmittedThisFlush; slot++) {
                writes[slot].release();
                writes[slot] = null;
            }
            writesHeld = false;
            writesInFlight = 0;
        }
        cancelsInFlight = 0;
        pollInFlight = false;
        multishotArmed = false;
        providesInFlight = 0;
        removeInFlight = false;
        deviceCheckArmed = false;
        if (provided != null) {
            // Removed, or the ring is gone and its buffer groups with it.
            provided.release();
            provided = null;
        }
        if (closeWhenUnregistered) {
            closeWhenUnregistered = false;
            channel.closeDevice(device);
        }
    }
}
