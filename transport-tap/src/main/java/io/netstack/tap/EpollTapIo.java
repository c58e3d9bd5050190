package io.netstack.tap;

import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.TunTapDevice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TapChannel on Netty's epoll loop: readiness, then one {@code read(2)} or {@code write(2)} per frame until the
 * device has no more (EAGAIN) or the per-wakeup budget is spent.
 */
final class EpollTapIo extends TapIo implements EpollIoHandle {
    /** EPOLLERR stays in the interest set at all times: an empty set would remove the fd from epoll altogether. */
    private static final EpollIoOps BASE_OPS = EpollIoOps.EPOLLERR;

    private final Runnable flushTask = this::flushLater;
    private FileDescriptor fd;
    private EpollIoOps ops = BASE_OPS;
    /** {@link #checkDeviceWhenQuiet()}, a task on the loop while registered. */
    private ScheduledFuture<?> deviceCheck;

    EpollTapIo(TapChannel channel) {
        super(channel);
    }

    /** Epoll asks for the fd when the handle registers, before {@link #registered()}. */
    @Override
    public FileDescriptor fd() {
        if (fd == null || fd.intValue() != device.fd()) {
            fd = new FileDescriptor(device.fd());
        }
        return fd;
    }

    @Override
    void onRegistered() {
        registration.submit(ops);
        deviceCheck = channel.eventLoop().scheduleWithFixedDelay(this::checkDeviceWhenQuiet,
                DeviceLifecycle.DEVICE_CHECK_MILLIS, DeviceLifecycle.DEVICE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    void startReading() {
        setOps(ops.with(EpollIoOps.EPOLLIN));
    }

    private void setOps(EpollIoOps wanted) {
        if (!wanted.equals(ops)) {
            ops = wanted;
            if (registration != null) {
                registration.submit(wanted);
            }
        }
    }

    @Override
    void stopReading() {
        if (!wantsFrames()) {
            setOps(ops.without(EpollIoOps.EPOLLIN));
        }
    }

    @Override
    boolean isFlushPending() {
        // While waiting for EPOLLOUT, the loop flushes when the device takes frames again.
        return ops.contains(EpollIoOps.EPOLLOUT);
    }

    @Override
    void deregister(TunTapDevice device) {
        IoRegistration current = registration;
        registration = null;
        ops = BASE_OPS;
        if (deviceCheck != null) {
            deviceCheck.cancel(false);
            deviceCheck = null;
        }
        try {
            if (current != null) {
                current.cancel();
            }
        } finally {
            channel.lifecycle().closeFd(device);
        }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        EpollIoOps ready = ((EpollIoEvent) event).ops();
        if (ready.contains(EpollIoOps.EPOLLOUT)) {
            channel.flushNow();
        }
        if (ready.contains(EpollIoOps.EPOLLIN)) {
            readFrames();
        } else if (ready.contains(EpollIoOps.EPOLLERR)) {
            checkDevice();
        }
    }

    private void readFrames() {
        if (!channel.isActive() || registration == null) {
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = channel.unsafe().recvBufAllocHandle();
        allocHandle.reset(config);
        IOException failure = null;
        do {
            ByteBuf frame = inbound.allocate(allocHandle);
            int length;
            try {
                length = fd.readAddress(frame.memoryAddress(), frame.writerIndex(), frame.capacity());
            } catch (IOException e) {
                frame.release();
                failure = e;
                break;
            }
            allocHandle.lastBytesRead(length);
            if (length <= 0) {
                frame.release();
                break;
            }
            if (frameRead(frame, length, false)) {
                allocHandle.incMessagesRead(1);
            }
            // A handler may have closed the channel: then the fd has left the loop, and is closed or being closed.
        } while (registration != null && allocHandle.continueReading());
        readComplete(allocHandle);
        if (failure != null) {
            readFailed(failure instanceof Errors.NativeIoException e ? -e.expectedErr() : Errno.EIO);
        } else {
            stopReading();
        }
    }

    @Override
    void write(ChannelOutboundBuffer in) throws Exception {
        int budget = config.getMaxMessagesPerWrite();
        while (budget-- > 0) {
            Object msg = in.current();
            if (msg == null) {
                setOps(ops.without(EpollIoOps.EPOLLOUT));
                return;
            }
            ByteBuf frame = (ByteBuf) msg;
            int length = frame.readableBytes();
            int written;
            try {
                written = fd.writeAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
            } catch (Errors.NativeIoException e) {
                TunTapException deviceFailure = writeFailed(in, length, -e.expectedErr());
                if (deviceFailure != null) {
                    // Thrown, it makes flush0 close the channel (autoClose) and fail every pending write with it.
                    throw deviceFailure;
                }
                continue;
            }
            if (written == 0) {
                // EAGAIN: the kernel tells us when the device takes frames again; order is kept.
                setOps(ops.with(EpollIoOps.EPOLLOUT));
                return;
            }
            channel.metrics().frameWritten(length);
            in.remove();
        }
        // Written our share of this loop turn; let other channels run, then go on.
        channel.eventLoop().execute(flushTask);
    }

    private void flushLater() {
        if (channel.isActive() && !isFlushPending()) {
            channel.flushNow();
        }
    }
}
