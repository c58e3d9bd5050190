package io.netstack.tap;

import io.netstack.tap.linux.TunTapDevice;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.Future;

import java.io.IOException;

/**
 * How a {@link TapChannel} moves frames on one kind of event loop: the submission and completion of reads and
 * writes, and nothing else. Everything the two loops share (the device, its configuration, the pipeline, the
 * metrics, the rules for frames) lives in the channel.
 */
abstract class TapIo implements IoHandle {
    final TapChannel channel;
    TunTapDevice device;
    IoRegistration registration;

    TapIo(TapChannel channel) {
        this.channel = channel;
    }

    /** The driver for {@code loop}, or {@code null} if a TapChannel cannot run on it. */
    static TapIo forLoop(TapChannel channel, EventLoop loop) {
        if (!(loop instanceof IoEventLoop ioLoop)) {
            return null;
        }
        if (ioLoop.isCompatible(EpollTapIo.class)) {
            return new EpollTapIo(channel);
        }
        if (ioLoop.isCompatible(IoUringTapIo.class)) {
            return new IoUringTapIo(channel);
        }
        return null;
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
    abstract void beginRead();

    /** Writes the flushed frames of {@code in}, or starts to. */
    abstract void write(ChannelOutboundBuffer in) throws Exception;

    /** Whether writes are under way that will flush the rest when they finish (so a flush now must wait). */
    abstract boolean isFlushPending();

    /** Auto-read was turned off: stop asking the kernel for frames nobody requested. */
    abstract void stopReading();

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

    /** The loop is shutting down with this channel open. */
    @Override
    public final void close() {
        channel.unsafe().close(channel.unsafe().voidPromise());
    }
}
