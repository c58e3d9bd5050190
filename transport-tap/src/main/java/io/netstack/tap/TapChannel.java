package io.netstack.tap;

import io.netstack.tap.linux.TunTapDevice;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * A Netty {@link io.netty.channel.Channel} over a Linux TAP (or TUN) device, on Netty's epoll or io_uring event
 * loop, whichever group it is registered with; the pipeline sees no difference.
 *
 * <p>Binding to a {@link TapAddress} creates the device (or attaches to it, see {@link TapChannelOption#EXCLUSIVE}).
 * Each inbound frame reaches the pipeline as one direct {@link ByteBuf}; each outbound {@link ByteBuf} is written as
 * one frame. Closing the channel closes the device's fd, so a non-persistent device disappears; the close future
 * completes once it has. The kernel's teardown in {@code close(2)} runs off the event loop, which serves its other
 * channels meanwhile.
 *
 * <p>With {@link TapChannelOption#OFFLOADS} the device is opened with {@code IFF_VNET_HDR}: frames are read as
 * {@link VirtioNetFrame}s (the kernel's {@code virtio_net_hdr}, decoded, and the frame after it in the same
 * buffer), possibly 64 KiB super-frames or with partial checksums, depending on the offloads the kernel took; and
 * both {@code VirtioNetFrame}s and plain {@code ByteBuf}s can be written.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()); // or IoUringIoHandler
 * Channel tap = new Bootstrap().group(group).channel(TapChannel.class)
 *         .handler(new MyFrameHandler())
 *         .bind(new TapAddress("tap0")).sync().channel();
 * }</pre>
 *
 * <p>The device lives in the network namespace of the event loop thread that binds the channel.
 *
 * <p>What the channel does when the device changes under it (link down, device deleted, a reader slower than the
 * traffic) is told in the {@linkplain io.netstack.tap package documentation}.
 */
public final class TapChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final TapChannelConfig config = new TapChannelConfig(this);
    private final TapChannelMetrics metrics = new TapChannelMetrics(this);
    private final DeviceLifecycle lifecycle = new DeviceLifecycle(this);
    private final OutboundFrames outbound = new OutboundFrames(config, metrics);

    private volatile boolean open = true;

    /** Creates an unbound channel; {@link io.netty.bootstrap.Bootstrap#channel(Class)} calls this. */
    public TapChannel() {
        super(null);
    }

    /**
     * Whether TapChannels can run on Netty's epoll loop here: Linux, with Netty's epoll transport loaded.
     * @return {@code true} if an epoll loop can run a TapChannel
     */
    public static boolean isAvailable() {
        return Epoll.isAvailable();
    }

    /**
     * Why {@link #isAvailable()} is false.
     * @return the cause, or {@code null} when it is true
     */
    public static Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /**
     * Whether TapChannels can run on Netty's io_uring loop here: Netty's io_uring transport on the class or module
     * path and loaded, and the kernel allowing io_uring (a container or {@code kernel.io_uring_disabled} may forbid
     * it).
     * @return {@code true} if an io_uring loop can run a TapChannel
     */
    public static boolean isIoUringAvailable() {
        return OptionalIoUring.isAvailable();
    }

    /**
     * Why {@link #isIoUringAvailable()} is false.
     * @return the cause (a {@link ClassNotFoundException} without Netty's io_uring classes), or {@code null}
     */
    public static Throwable ioUringUnavailabilityCause() {
        return OptionalIoUring.unavailabilityCause();
    }

    @Override
    public TapChannelConfig config() {
        return config;
    }

    /**
     * Frames and bytes in and out, and every frame dropped on the way.
     * @return the channel's counters
     */
    public TapChannelMetrics metrics() {
        return metrics;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && lifecycle.device() != null;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public TapAddress localAddress() {
        return (TapAddress) super.localAddress();
    }

    /** {@return {@code null}: a TAP or TUN device has no remote end} */
    @Override
    public SocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return lifecycle.address();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new TapUnsafe();
    }

    private TapUnsafe tapUnsafe() {
        return (TapUnsafe) unsafe();
    }

    /**
     * Whether the channel can register with a loop: an epoll or io_uring loop of Netty's; never NIO, which cannot
     * watch a device's fd.
     *
     * @param loop the loop the channel is being registered with
     * @return {@code true} for an epoll or io_uring loop
     */
    @Override
    protected boolean isCompatible(EventLoop loop) {
        return TapIo.isCompatible(loop);
    }

    /**
     * Attaches this channel's queue of a multiqueue device, or detaches it: a detached queue gets no frames, and the
     * kernel spreads the device's traffic over the queues still attached ({@code TUNSETQUEUE}).
     *
     * @param attached whether the queue takes frames
     * @throws TunTapException       if the kernel refuses
     * @throws IllegalStateException if the channel is not bound
     */
    public void setQueueAttached(boolean attached) throws TunTapException {
        TunTapDevice current = lifecycle.device();
        if (current == null) {
            throw new IllegalStateException("bind the channel before attaching or detaching its queue");
        }
        current.setQueueAttached(attached);
    }

    /** The device from its opening to its close. */
    DeviceLifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        try {
            TapIo io = TapIo.forLoop(this, eventLoop());
            tapUnsafe().io = io;
            lifecycle.registered(io);
            promise.setSuccess();
        } catch (Throwable t) {
            promise.setFailure(t);
        }
    }

    @Override
    protected void doBind(SocketAddress requested) throws Exception {
        if (!(requested instanceof TapAddress address)) {
            throw new UnsupportedAddressTypeException();
        }
        if (lifecycle.device() != null) {
            throw new AlreadyBoundException();
        }
        config.checkRejectedOptions();
        lifecycle.bind(address, tapUnsafe().io);
    }

    /** The loop is shutting down with this channel open: the close must end before it stops. */
    void closeOnLoopShutdown() {
        tapUnsafe().closeOnLoopShutdown();
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        open = false;
        lifecycle.channelClosed(isRegistered() ? tapUnsafe().io : null);
    }

    @Override
    protected void doDeregister() {
        TapIo io = tapUnsafe().io;
        if (io != null && open) {
            lifecycle.watchLoopShutdown(false);
            io.deregister(null);
        }
    }

    @Override
    protected void doBeginRead() {
        tapUnsafe().io.beginRead();
    }

    /**
     * Accepts {@link ByteBuf} frames (and {@link VirtioNetFrame}s), no longer than the device allows, and hands the
     * loop a buffer it can write from its memory address; see {@link TapChannelOption#OFFLOADS} for the vnet header.
     *
     * @param msg the message written
     * @return the buffer to write, which then owns the frame: {@code msg}'s own when it has a memory address (and,
     *         with a vnet header, room before the frame), else a direct copy
     * @throws UnsupportedOperationException if {@code msg} is no frame, or asks for offloads the channel lacks
     * @throws IllegalArgumentException      if the frame is empty or longer than the device accepts
     */
    @Override
    protected Object filterOutboundMessage(Object msg) {
        return outbound.filter(msg, lifecycle.address());
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        tapUnsafe().io.write(in);
    }

    /** Closes the channel because the device failed, failing the writes still pending with {@code cause}. */
    void closeBecause(TunTapException cause) {
        tapUnsafe().closeBecause(cause);
    }

    /** Flushes now, even while the io has a flush pending: called when the pending writes have completed. */
    void flushNow() {
        tapUnsafe().flushNow();
    }

    /** Auto-read was turned off (from any thread): stop reading, on the loop. */
    void autoReadCleared() {
        TapIo io = tapUnsafe().io;
        if (isRegistered() && io != null) {
            EventLoop loop = eventLoop();
            if (loop.inEventLoop()) {
                io.autoReadCleared();
            } else {
                loop.execute(io::autoReadCleared);
            }
        }
    }

    /** Owns the channel's {@link TapIo}, and closes in the order that lets the kernel tear the device down. */
    private final class TapUnsafe extends AbstractUnsafe {
        private TapIo io;
        /** The close under way, from its start until Netty's own close takes over; {@code null} otherwise. */
        private ChannelPromise pendingClose;

        /**
         * Closes once nothing is in flight and the fd is closed ({@link DeviceLifecycle#close(TapIo, EventLoop,
         * Runnable)}); then Netty's close completes the close future, fails the frames still queued and fires the
         * events. The close future thus means "device gone", and the loop serves its other channels meanwhile.
         */
        @Override
        public void close(ChannelPromise promise) {
            if (pendingClose != null) {
                closeFuture().addListener(closed -> safeSetSuccess(promise));
                return;
            }
            if (!isOpen() || lifecycle.device() == null || io == null || !isRegistered()
                    || !eventLoop().inEventLoop()) {
                super.close(promise);
                return;
            }
            pendingClose = promise;
            lifecycle.close(io, eventLoop(), this::closeInPlace);
        }

        /** Hands the close under way to Netty's, on the loop. */
        private void closeInPlace() {
            ChannelPromise promise = pendingClose;
            if (promise != null) {
                pendingClose = null;
                super.close(promise);
            }
        }

        /**
         * The loop is shutting down with this channel open: the close must end now, on the loop, while it still takes
         * the tasks that fire the close's events; a quiesce would end in the loop's cleanup, when it takes none. So an
         * fd already being closed off the loop is waited for, and otherwise Netty's close runs at once.
         */
        void closeOnLoopShutdown() {
            lifecycle.awaitCloseOffLoop();
            if (pendingClose == null) {
                pendingClose = voidPromise();
            }
            closeInPlace();
        }

        /** A device has no peer to connect to; bind to a {@link TapAddress} instead. */
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            safeSetFailure(promise, new UnsupportedOperationException(
                    "a TapChannel has no remote end to connect to: bind it to a TapAddress"));
        }

        /** Flushes even while the io has a flush pending; once the fd has left the loop, frames wait for the close. */
        void flushNow() {
            if (!lifecycle.isFdLeavingLoop()) {
                super.flush0();
            }
        }

        /** Closes the channel, failing the writes still pending with {@code cause} (as a failed flush does). */
        void closeBecause(IOException cause) {
            handleWriteError(cause);
        }

        @Override
        protected void flush0() {
            if (io == null || !io.isFlushPending()) {
                flushNow();
            }
        }
    }
}
