package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.TunTapDevice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.concurrent.Future;

import java.io.IOException;

/**
 * How a {@link TapChannel} moves frames on one kind of event loop. The subclasses submit reads and writes and
 * handle their completions; the policy both loops share is here, once: what a frame read becomes and when the
 * pipeline hears of it, when to stop after the frame a {@code read()} asked for, and which failures concern one
 * frame (its promise fails, the channel goes on) and which the device (the pipeline is told once, the channel
 * closes).
 */
abstract class TapIo implements IoHandle {
    final TapChannel channel;
    final TapChannelConfig config;
    final InboundFrames inbound;
    TunTapDevice device;
    IoRegistration registration;
    /** A {@code read()} the pipeline asked for that no frame has answered yet. */
    private boolean readPending;
    /** The first failure of the device; the writes after it fail with the same cause, told once. */
    private TunTapException deviceGone;
    private boolean closedBecauseGone;

    TapIo(TapChannel channel) {
        this.channel = channel;
        this.config = channel.config();
        this.inbound = new InboundFrames(config, channel.metrics(), this::refreshMtu);
    }

    /** The driver for {@code loop}, or {@code null} if a TapChannel cannot run on it. */
    static TapIo forLoop(TapChannel channel, EventLoop loop) {
        if (!(loop instanceof IoEventLoop ioLoop)) {
            return null;
        }
        if (ioLoop.isCompatible(EpollTapIo.class)) {
            return new EpollTapIo(channel);
        }
        return OptionalIoUring.isCompatible(ioLoop) ? OptionalIoUring.newIo(channel) : null;
    }

    /** Whether a TapChannel can run on {@code loop}: an epoll or io_uring loop of Netty's. */
    static boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop ioLoop
                && (ioLoop.isCompatible(EpollTapIo.class) || OptionalIoUring.isCompatible(ioLoop));
    }

    /**
     * Adds the device's fd to the loop. It happens once the fd is attached to a device, never before: an fd of
     * /dev/net/tun without a device polls as an error, which a level-triggered loop would spin on.
     */
    final void register(TunTapDevice device) throws Exception {
        this.device = device;
        Future<IoRegistration> future = ((IoEventLoop) channel.eventLoop()).register(this);
        // Registering from inside the loop completes at once.
        if (!future.isDone()) {
            throw new IllegalStateException("registration of " + device.name() + " did not complete in its loop");
        }
        if (!future.isSuccess()) {
            throw new IOException("cannot register " + device.name() + " with " + channel.eventLoop(),
                    future.cause());
        }
        registration = future.getNow();
        onRegistered();
    }

    /** The fd is in the loop: start watching it. */
    abstract void onRegistered();

    /** The user asked for frames ({@code read()}, or auto-read). */
    final void beginRead() {
        readPending = true;
        startReading();
    }

    /** Asks the kernel for frames, as many as {@link #wantsFrames()} allows. */
    abstract void startReading();

    /**
     * Auto-read was turned off: stop asking the kernel for frames nobody requested. The read auto-read had asked
     * for is dropped too, as Netty's own channels do, so no frame comes until {@code read()}.
     */
    final void autoReadCleared() {
        readPending = false;
        stopReading();
    }

    /** Stops the reads that {@link #wantsFrames()} no longer allows. */
    abstract void stopReading();

    /** Whether the pipeline wants more frames: auto-read is on, or a {@code read()} waits for its frame. */
    final boolean wantsFrames() {
        return readPending || config.isAutoRead();
    }

    /** Whether a {@code read()} waits for its frame. */
    final boolean isReadPending() {
        return readPending;
    }

    /** Writes the flushed frames of {@code in}, or starts to. */
    abstract void write(ChannelOutboundBuffer in) throws Exception;

    /** Whether writes are under way that will flush the rest when they finish (so a flush now must wait). */
    abstract boolean isFlushPending();

    /**
     * Before the channel closes: ends every operation still in flight (cancelling reads, letting writes finish),
     * then runs {@code then}; returns {@code false}, doing nothing, when nothing is in flight.
     */
    boolean quiesce(Runnable then) {
        return false;
    }

    /**
     * Takes the fd out of the loop and, if {@code device} is not null, closes it: after every operation on it has
     * finished, so the kernel never touches a buffer or a number the process has reused.
     */
    abstract void deregister(TunTapDevice device);

    /** Whether a close of the channel is under way, so that a failure of the device is no news to the pipeline. */
    boolean isClosing() {
        return false;
    }

    /**
     * Hands the frame a read put into {@code frame} ({@code length} bytes after its writer index) to the pipeline;
     * {@code whole} says it is known not to have been cut short. Returns {@code false} if it was dropped.
     */
    final boolean frameRead(ByteBuf frame, int length, boolean whole) {
        Object msg = whole ? inbound.whole(frame, length) : inbound.read(frame, length);
        if (msg == null) {
            return false;
        }
        readPending = false;
        channel.pipeline().fireChannelRead(msg);
        return true;
    }

    /** The frames of a wakeup or a loop turn have been handed over. */
    final void readComplete(RecvByteBufAllocator.Handle allocHandle) {
        allocHandle.readComplete();
        channel.pipeline().fireChannelReadComplete();
    }

    /** A read failed with {@code errno}: the device is unusable (deleted, most likely), and the channel closes. */
    final void readFailed(int errno) {
        closeBecause(deviceFailed("read", errno));
    }

    /** Closes the channel once because the device failed, failing the writes still pending with {@code cause}. */
    final void closeBecause(TunTapException cause) {
        if (!closedBecauseGone) {
            closedBecauseGone = true;
            channel.closeBecause(cause);
        }
    }

    /** Errors that concern one frame only (bad length, link down): its promise fails, the channel stays. */
    static boolean isFrameError(int errno) {
        return errno == Errno.EINVAL || errno == Errno.EIO || errno == Errno.EMSGSIZE || errno == Errno.ENOBUFS;
    }

    /**
     * The write of the frame at the head of {@code in}, {@code length} bytes long, failed with {@code errno}. An error
     * of the frame alone fails its promise and returns {@code null}; any other means the device failed, and returns
     * the exception the channel closes with (the pipeline has been told, once).
     */
    final TunTapException writeFailed(ChannelOutboundBuffer in, int length, int errno) {
        if (isFrameError(errno)) {
            channel.metrics().writeFailed();
            in.remove(new TunTapException(deviceName(), "write of a " + length + "-byte frame", errno));
            return null;
        }
        return deviceFailed("write", errno);
    }

    /**
     * The device failed for good: the first failure is told to the pipeline (unless a close is under way anyway) and
     * returned from then on, so that every write it cuts off fails with the cause the pipeline saw.
     */
    final TunTapException deviceFailed(String operation, int errno) {
        if (deviceGone == null) {
            deviceGone = new TunTapException(deviceName(), operation, errno);
            if (!isClosing()) {
                channel.pipeline().fireExceptionCaught(deviceGone);
            }
        }
        return deviceGone;
    }

    /** Asks the kernel whether the device is still there, if no frame came since the last check. */
    final void checkDeviceWhenQuiet() {
        try {
            channel.lifecycle().checkWhenQuiet(channel.metrics().framesRead());
        } catch (TunTapException e) {
            closeBecauseGone(e);
        }
    }

    /** The loop reported an error condition without a read to make: ask the device whether it is still there. */
    final void checkDevice() {
        try {
            channel.lifecycle().checkAttached();
        } catch (TunTapException e) {
            closeBecauseGone(e);
        }
    }

    private void closeBecauseGone(TunTapException e) {
        if (deviceGone == null) {
            deviceGone = e;
            channel.pipeline().fireExceptionCaught(e);
        }
        channel.unsafe().close(channel.unsafe().voidPromise());
    }

    /** A frame filled its buffer: the MTU grew, and the read buffers follow it from now on. */
    private void refreshMtu() {
        try {
            if (device != null) {
                config.mtuChanged(channel.lifecycle().mtu());
            }
        } catch (TunTapException e) {
            channel.pipeline().fireExceptionCaught(e);
        }
    }

    private String deviceName() {
        return device != null ? device.name() : String.valueOf(channel.localAddress());
    }

    /** The loop is shutting down with this channel open. */
    @Override
    public final void close() {
        channel.unsafe().close(channel.unsafe().voidPromise());
    }
}
