package io.netstack.tap;

import io.netstack.tap.linux.DeviceMode;
import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.LinkStatistics;
import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.linux.TunTapDevice;
import io.netstack.tap.linux.TunTapException;
import io.netstack.tap.linux.TunTapFlag;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.StringUtil;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A Netty {@link io.netty.channel.Channel} over a Linux TAP (or TUN) device, driven by Netty's native epoll event loop.
 *
 * <p>Binding to a {@link TapAddress} creates the device (or attaches to it, see {@link TapChannelOption#EXCLUSIVE}).
 * Each inbound frame reaches the pipeline as one direct {@link ByteBuf}; each outbound {@link ByteBuf} is written as
 * one frame. Closing the channel closes the device's fd, so a non-persistent device disappears.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
 * Channel tap = new Bootstrap().group(group).channel(TapChannel.class)
 *         .handler(new MyFrameHandler())
 *         .bind(new TapAddress("tap0")).sync().channel();
 * }</pre>
 *
 * <p>The device lives in the network namespace of the event loop thread that binds the channel.
 *
 * <h2>When the device changes under the channel</h2>
 * <ul>
 *   <li><b>Link set down</b> ({@code ip link set tap0 down}), and up again: the channel stays open and active. While
 *       the link is down the kernel sends nothing through the device, so nothing is read; each write fails its own
 *       promise with an {@link IOException} caused by the kernel's EIO, counted in
 *       {@link TapChannelMetrics#writeErrors()}, and the next write is tried again. Once the link is up, reads and
 *       writes go on by themselves.</li>
 *   <li><b>Device deleted</b> ({@code ip link del tap0}): the channel fires a {@link TunTapException} (EBADFD, naming
 *       the device) through the pipeline and closes. It learns it from EPOLLERR while idle, or from the failed
 *       write while writing; writes still pending fail.</li>
 *   <li><b>Reader slower than the traffic</b>: the kernel queues up to {@code txqueuelen} frames for the channel and
 *       drops the rest, counting them in the device's tx_dropped ({@link TapChannelMetrics#kernelTxDropped()}). Frames
 *       are read in the order the kernel queued them, and the channel drops none without counting it in
 *       {@link TapChannelMetrics}.</li>
 * </ul>
 */
public final class TapChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    /** EPOLLERR stays in the interest set at all times: an empty set would remove the fd from epoll altogether. */
    private static final EpollIoOps BASE_OPS = EpollIoOps.EPOLLERR;
    private static final long KERNEL_QUERY_TIMEOUT_SECONDS = 10;

    private final TapChannelConfig config = new TapChannelConfig(this);
    private final TapChannelMetrics metrics = new TapChannelMetrics(this);
    private final Runnable flushTask = this::flushLater;
    private final Runnable closeOnShutdown = this::closeOnShutdown;

    private volatile boolean open = true;
    private volatile TunTapDevice device;
    private volatile TapAddress localAddress;
    private FileDescriptor fd;
    private IoRegistration registration;
    private EpollIoOps ops = BASE_OPS;
    private boolean readPending;

    /** Creates an unbound channel; {@link io.netty.bootstrap.Bootstrap#channel(Class)} calls this. */
    public TapChannel() {
        super(null);
        Epoll.ensureAvailability();
    }

    /** Whether this machine can run TapChannels: Linux with Netty's native epoll transport loaded. */
    public static boolean isAvailable() {
        return Epoll.isAvailable();
    }

    /** Why {@link #isAvailable()} is false, or {@code null} when it is true. */
    public static Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    @Override
    public TapChannelConfig config() {
        return config;
    }

    /** Frames and bytes in and out, and every frame dropped on the way. */
    public TapChannelMetrics metrics() {
        return metrics;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && device != null;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public TapAddress localAddress() {
        return (TapAddress) super.localAddress();
    }

    /** A TAP device has no remote end: always {@code null}. */
    @Override
    public SocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new TapUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop ioLoop && ioLoop.isCompatible(TapUnsafe.class);
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        try {
            if (device != null) {
                // Registered again after a deregister: the device is already there.
                registerWithEventLoop();
            }
            promise.setSuccess();
        } catch (Throwable t) {
            promise.setFailure(t);
        }
    }

    /**
     * Adds the device's fd to this channel's epoll loop. It happens once the fd is attached to a device, never
     * before: an fd of /dev/net/tun without a device polls as EPOLLERR, which a level-triggered loop would spin on.
     */
    private void registerWithEventLoop() throws Exception {
        Future<IoRegistration> future = ((IoEventLoop) eventLoop()).register((TapUnsafe) unsafe());
        // Registering from inside the loop completes at once.
        if (!future.isDone()) {
            throw new IllegalStateException("epoll registration of " + localAddress + " did not complete in its loop");
        }
        if (!future.isSuccess()) {
            throw new IOException("cannot register " + localAddress + " with " + eventLoop(), future.cause());
        }
        registration = future.getNow();
        registration.submit(ops);
        if (eventLoop() instanceof SingleThreadEventExecutor loop) {
            loop.addShutdownHook(closeOnShutdown);
        }
    }

    /**
     * Closes the channel when its loop shuts down. Netty's IO loops close their channels on the way out, but
     * {@code SingleThreadIoEventLoop.run()} asks {@code isShuttingDown()} before {@code confirmShutdown()}: a shutdown
     * with no quiet period that comes in between ends the loop without {@code IoHandler.prepareToDestroy()}, and
     * the device and its fd would outlive the loop. Shutdown hooks run in every case, on the loop, before it stops.
     */
    private void closeOnShutdown() {
        if (isOpen()) {
            unsafe().close(unsafe().voidPromise());
        }
    }

    @Override
    protected void doBind(SocketAddress requested) throws Exception {
        if (!(requested instanceof TapAddress address)) {
            throw new UnsupportedAddressTypeException();
        }
        if (device != null) {
            throw new AlreadyBoundException();
        }
        EnumSet<TunTapFlag> flags = EnumSet.noneOf(TunTapFlag.class);
        if (config.isExclusive()) {
            flags.add(TunTapFlag.EXCLUSIVE);
        }
        if (config.isMultiQueue()) {
            flags.add(TunTapFlag.MULTI_QUEUE);
        }
        TunTapDevice opened = TunTapDevice.open(address.name(), address.mode(), flags);
        try {
            config.requested().applyTo(opened);
            config.setMaxFrameLength(maxFrameLength(opened.mode(), opened.mtu()));
            fd = new FileDescriptor(opened.fd());
            localAddress = new TapAddress(opened.name(), opened.mode());
            device = opened;
            registerWithEventLoop();
        } catch (Throwable t) {
            device = null;
            opened.close();
            throw t;
        }
    }

    private static int maxFrameLength(DeviceMode mode, int mtu) {
        return mode == DeviceMode.TAP ? mtu + TapChannelConfig.TAP_LINK_OVERHEAD : mtu;
    }

    /** The device, once bound; {@code null} before. */
    TunTapDevice device() {
        return device;
    }

    /** Read buffers follow the MTU; called whenever the channel learns the kernel's current value. */
    void mtuChanged(int mtu) {
        TunTapDevice current = device;
        if (current != null) {
            config.setMaxFrameLength(maxFrameLength(current.mode(), mtu));
        }
    }

    /** See {@link TapChannelMetrics#kernelStatistics()}: asked on the loop, in the namespace the device lives in. */
    LinkStatistics kernelStatistics() {
        TunTapDevice current = device;
        if (current == null || !isActive() || !isRegistered()) {
            throw new IllegalStateException(this + " is not bound, or closed: its device has no counters to read");
        }
        Callable<LinkStatistics> ask = () -> NetDeviceControl.statistics(current.name());
        EventLoop loop = eventLoop();
        try {
            if (loop.inEventLoop()) {
                return ask.call();
            }
            Future<LinkStatistics> answer = loop.submit(ask);
            if (!answer.await(KERNEL_QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new ChannelException("the event loop of " + localAddress + " did not read the kernel's counters"
                        + " within " + KERNEL_QUERY_TIMEOUT_SECONDS + " s");
            }
            if (!answer.isSuccess()) {
                throw new ChannelException("cannot read the kernel's counters of " + localAddress, answer.cause());
            }
            return answer.getNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted while reading the kernel's counters of " + localAddress, e);
        } catch (ChannelException e) {
            throw e;
        } catch (Exception e) {
            throw new ChannelException("cannot read the kernel's counters of " + localAddress, e);
        }
    }

    /**
     * Attaches this channel's queue of a multiqueue device, or detaches it: a detached queue gets no frames, and the
     * kernel spreads the device's traffic over the queues still attached ({@code TUNSETQUEUE}).
     *
     * @throws IllegalStateException if the channel is not bound
     */
    public void setQueueAttached(boolean attached) throws TunTapException {
        TunTapDevice current = device;
        if (current == null) {
            throw new IllegalStateException("bind the channel before attaching or detaching its queue");
        }
        current.setQueueAttached(attached);
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        open = false;
        TunTapDevice closing = device;
        if (closing == null) {
            return;
        }
        EventLoop loop = isRegistered() ? eventLoop() : null;
        if (loop == null || loop.inEventLoop()) {
            cancelThenClose(closing);
            return;
        }
        try {
            loop.execute(() -> cancelThenClose(closing));
        } catch (RejectedExecutionException e) {
            // The loop is gone, and with it the registration: nothing to cancel.
            closing.close();
        }
    }

    /** Takes the fd out of epoll before closing it, so epoll never holds a number the process may reuse. */
    private void cancelThenClose(TunTapDevice closing) {
        try {
            doDeregister();
        } finally {
            try {
                closing.close();
            } catch (TunTapException e) {
                pipeline().fireExceptionCaught(e);
            }
        }
    }

    @Override
    protected void doDeregister() {
        IoRegistration current = registration;
        if (current != null) {
            registration = null;
            ops = BASE_OPS;
            readPending = false;
            current.cancel();
            if (eventLoop() instanceof SingleThreadEventExecutor loop) {
                loop.removeShutdownHook(closeOnShutdown);
            }
        }
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
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

    /**
     * Accepts {@link ByteBuf} frames only, no longer than the device allows, and hands the loop a buffer it can
     * write from its memory address (heap and multi-component buffers are copied once into a direct one).
     */
    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            throw new UnsupportedOperationException("TapChannel writes ByteBuf frames only, not "
                    + StringUtil.simpleClassName(msg) + "; add an encoder that turns it into a ByteBuf");
        }
        int length = frame.readableBytes();
        int max = config.getMaxFrameLength();
        if (length == 0) {
            throw new IllegalArgumentException("empty frame: a TAP/TUN device takes no zero-length writes");
        }
        if (length > max) {
            metrics.oversizeDropped();
            throw new IllegalArgumentException("frame of " + length + " bytes is longer than the " + max
                    + " bytes that " + localAddress + " accepts (its MTU"
                    + (localAddress != null && localAddress.mode() == DeviceMode.TAP
                            ? " + " + TapChannelConfig.TAP_LINK_OVERHEAD + " bytes of Ethernet header and VLAN tag"
                            : "")
                    + "); the frame was dropped, the channel stays open");
        }
        if (frame.hasMemoryAddress()) {
            return frame;
        }
        return copyToDirect(frame, length);
    }

    private ByteBuf copyToDirect(ByteBuf frame, int length) {
        ByteBuf direct = config.getAllocator().directBuffer(length);
        try {
            direct.writeBytes(frame, frame.readerIndex(), length);
            if (!direct.hasMemoryAddress()) {
                throw new UnsupportedOperationException(
                        "the channel's allocator gives direct buffers without a memory address");
            }
        } catch (Throwable t) {
            direct.release();
            throw t;
        }
        ReferenceCountUtil.release(frame);
        return direct;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        int budget = maxMessagesPerWrite();
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
                if (!isFrameError(e)) {
                    // The device is gone (EBADFD once deleted from outside): no frame can be written any more. Tell
                    // the pipeline, as a failed read does; the IOException thrown then makes flush0 close the
                    // channel (autoClose) and fail every pending write with the same cause.
                    TunTapException failure = deviceFailure("write", e);
                    pipeline().fireExceptionCaught(failure);
                    throw failure;
                }
                metrics.writeFailed();
                in.remove(new IOException("the kernel refused a frame of " + length + " bytes on " + localAddress
                        + ": " + e.getMessage(), e));
                continue;
            }
            if (written == 0) {
                // EAGAIN: the kernel will tell us when the device takes frames again; order is kept.
                setOps(ops.with(EpollIoOps.EPOLLOUT));
                return;
            }
            metrics.frameWritten(length);
            in.remove();
        }
        // Written our share of this loop turn; let other channels run, then go on.
        eventLoop().execute(flushTask);
    }

    /** Errors that concern one frame only (bad length, link down): fail its promise and keep the channel. */
    private static boolean isFrameError(Errors.NativeIoException e) {
        int errno = -e.expectedErr();
        return errno == Errno.EINVAL || errno == Errno.EIO || errno == Errno.EMSGSIZE || errno == Errno.ENOBUFS;
    }

    private void flushLater() {
        if (isActive() && !ops.contains(EpollIoOps.EPOLLOUT)) {
            ((TapUnsafe) unsafe()).flushNow();
        }
    }

    private final class TapUnsafe extends AbstractUnsafe implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void close() {
            close(voidPromise());
        }

        /** A device has no peer to connect to; bind to a {@link TapAddress} instead. */
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            safeSetFailure(promise, new UnsupportedOperationException(
                    "a TapChannel has no remote end to connect to: bind it to a TapAddress"));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            EpollIoOps ready = ((EpollIoEvent) event).ops();
            if (ready.contains(EpollIoOps.EPOLLOUT)) {
                flushNow();
            }
            if (ready.contains(EpollIoOps.EPOLLIN)) {
                readFrames();
            } else if (ready.contains(EpollIoOps.EPOLLERR)) {
                deviceFailed();
            }
        }

        void flushNow() {
            super.flush0();
        }

        @Override
        protected void flush0() {
            // While waiting for EPOLLOUT, the loop flushes when the device is writable again.
            if (!ops.contains(EpollIoOps.EPOLLOUT)) {
                super.flush0();
            }
        }

        private void readFrames() {
            if (!isActive()) {
                return;
            }
            TapChannelConfig config = config();
            ChannelPipeline pipeline = pipeline();
            ByteBufAllocator allocator = config.getAllocator();
            RecvByteBufAllocator.Handle allocHandle = recvBufAllocHandle();
            allocHandle.reset(config);
            Throwable failure = null;
            try {
                do {
                    ByteBuf frame = allocHandle.allocate(allocator);
                    int length;
                    try {
                        length = readFrame(frame, config.getMaxFrameLength(), allocHandle);
                    } catch (Throwable t) {
                        frame.release();
                        throw t;
                    }
                    if (length <= 0) {
                        frame.release();
                        break;
                    }
                    if (length > frame.writableBytes()) {
                        // The kernel copied what fit and reported the whole length: the MTU grew behind our back.
                        frame.release();
                        metrics.truncatedDropped();
                        mtuChanged(device.mtu());
                        continue;
                    }
                    frame.writerIndex(frame.writerIndex() + length);
                    allocHandle.incMessagesRead(1);
                    metrics.frameRead(length);
                    readPending = false;
                    pipeline.fireChannelRead(frame);
                } while (allocHandle.continueReading());
            } catch (Throwable t) {
                failure = t;
            }
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            if (failure != null) {
                pipeline.fireExceptionCaught(failure instanceof Errors.NativeIoException e
                        ? deviceFailure("read", e) : failure);
                close(voidPromise());
                return;
            }
            if (!readPending && !config.isAutoRead()) {
                setOps(ops.without(EpollIoOps.EPOLLIN));
            }
        }

        /**
         * One {@code read(2)} into the frame's writable bytes: the frame's length as the kernel reports it (which is
         * more than was copied if the frame did not fit), or 0 when none is waiting (EAGAIN).
         */
        private int readFrame(ByteBuf frame, int maxFrameLength, RecvByteBufAllocator.Handle allocHandle)
                throws IOException {
            if (frame.writableBytes() < maxFrameLength) {
                // A user's allocator gave less than a frame: the kernel would cut frames short.
                frame.capacity(frame.writerIndex() + maxFrameLength);
            }
            if (!frame.hasMemoryAddress()) {
                throw new UnsupportedOperationException("TapChannel reads into direct buffers with a memory address;"
                        + " the configured allocator gave " + StringUtil.simpleClassName(frame));
            }
            allocHandle.attemptedBytesRead(frame.writableBytes());
            int length = fd.readAddress(frame.memoryAddress(), frame.writerIndex(), frame.capacity());
            allocHandle.lastBytesRead(length);
            return length;
        }

        /** EPOLLERR without a read to make: ask the device whether it is still there. */
        private void deviceFailed() {
            TunTapDevice current = device;
            if (current == null) {
                return;
            }
            try {
                current.checkAttached();
            } catch (TunTapException e) {
                pipeline().fireExceptionCaught(e);
                close(voidPromise());
            }
        }

    }

    /** A failed read or write of the device's fd, as an exception that names the device and explains the errno. */
    private TunTapException deviceFailure(String operation, Errors.NativeIoException e) {
        TunTapDevice current = device;
        return new TunTapException(current == null ? String.valueOf(localAddress) : current.name(), operation,
                -e.expectedErr());
    }
}
