package io.netstack.tap;

import io.netstack.wire.VirtioNetFrame;
import io.netstack.wire.LinkLayer;
import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.linux.TunTapDevice;
import io.netstack.tap.linux.TunTapFlag;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.StringUtil;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

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
 * <h2>When the device changes under the channel</h2>
 * <ul>
 *   <li><b>Link set down</b> ({@code ip link set tap0 down}), and up again: the channel stays open and active. While
 *       the link is down the kernel sends nothing through the device, so nothing is read; each write fails its own
 *       promise with an {@link IOException} caused by the kernel's EIO, counted in
 *       {@link TapChannelMetrics#writeErrors()}, and the next write is tried again. Once the link is up, reads and
 *       writes go on by themselves.</li>
 *   <li><b>Device deleted</b> ({@code ip link del tap0}): the channel fires a {@link TunTapException} (EBADFD, naming
 *       the device) through the pipeline and closes. It learns it from the loop's error event or a failed read while
 *       idle, or from the failed write while writing; writes still pending fail. A channel that is not reading, or
 *       that the kernel woke before letting go of it, learns it by asking the kernel after half a second without
 *       frames.</li>
 *   <li><b>Reader slower than the traffic</b>: the kernel queues up to {@code txqueuelen} frames for the channel and
 *       drops the rest, counting them in the device's tx_dropped ({@link TapChannelMetrics#kernelTxDropped()}). Frames
 *       are read in the order the kernel queued them, and the channel drops none without counting it in
 *       {@link TapChannelMetrics}.</li>
 * </ul>
 */
public final class TapChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    private static final long KERNEL_QUERY_TIMEOUT_SECONDS = 10;
    /**
     * How long a registered channel goes without reading a frame before it asks the kernel whether its device is
     * still there (see {@link #checkDeviceWhenQuiet()}).
     */
    static final long DEVICE_CHECK_MILLIS = 500;
    /**
     * Where devices are closed, off the event loops: the kernel tears a device down in {@code close(2)} of its last
     * fd and waits for RCU grace periods meanwhile (about 16 ms here), time in which the loop serves its other
     * channels instead. Threads come with demand and go after a minute idle, so devices closing at once overlap
     * their waits.
     */
    private static final Executor DEVICE_CLOSER =
            Executors.newCachedThreadPool(new DefaultThreadFactory("netstack-device-close", true));

    private final TapChannelConfig config = new TapChannelConfig(this);
    private final TapChannelMetrics metrics = new TapChannelMetrics(this);
    private final Runnable closeOnShutdown = this::closeOnShutdown;

    private volatile boolean open = true;
    private volatile TunTapDevice device;
    private volatile TapAddress localAddress;
    private TapIo io;
    private boolean readPending;
    /**
     * The fd's close on {@link #DEVICE_CLOSER}, once the loop has let go of the fd; from then on nothing on the loop
     * may touch it.
     */
    private volatile CompletableFuture<Void> fdClosedOffLoop;
    private long framesAtLastDeviceCheck;

    /** Creates an unbound channel; {@link io.netty.bootstrap.Bootstrap#channel(Class)} calls this. */
    public TapChannel() {
        super(null);
    }

    /** Whether TapChannels can run on Netty's epoll loop here: Linux, with Netty's epoll transport loaded. */
    public static boolean isAvailable() {
        return Epoll.isAvailable();
    }

    /** Why {@link #isAvailable()} is false, or {@code null} when it is true. */
    public static Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /**
     * Whether TapChannels can run on Netty's io_uring loop here: Netty's io_uring transport loaded and the kernel
     * allowing io_uring (a container or {@code kernel.io_uring_disabled} may forbid it).
     */
    public static boolean isIoUringAvailable() {
        return IoUring.isAvailable();
    }

    /** Why {@link #isIoUringAvailable()} is false, or {@code null} when it is true. */
    public static Throwable ioUringUnavailabilityCause() {
        return IoUring.unavailabilityCause();
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

    /** An epoll or io_uring loop of Netty's; never NIO, which cannot watch a device's fd. */
    @Override
    protected boolean isCompatible(EventLoop loop) {
        return TapIo.forLoop(this, loop) != null;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        try {
            io = TapIo.forLoop(this, eventLoop());
            if (device != null) {
                // Registered again after a deregister: the device is already there.
                io.register(device);
                watchLoopShutdown(true);
            }
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
        Set<TunOffload> offloads = config.getOffloads();
        if (offloads != null) {
            flags.add(TunTapFlag.VNET_HDR);
        }
        TunTapDevice opened = TunTapDevice.open(address.name(), address.linkLayer(), flags);
        try {
            if (offloads != null) {
                // The header's length and byte order belong to the device: set both rather than trust defaults
                // that an earlier user of a persistent device may have changed.
                opened.setVnetHeaderLength(VirtioNetFrame.HEADER_LENGTH);
                opened.setVnetLittleEndian(true);
                config.offloadsEnabled(opened.setOffloads(offloads), VirtioNetFrame.HEADER_LENGTH);
            }
            config.requested().applyTo(opened);
            config.setMaxFrameLength(maxFrameLength(opened.mode(), opened.mtu()));
            localAddress = new TapAddress(opened.name(), opened.mode());
            device = opened;
            io.register(opened);
            watchLoopShutdown(true);
        } catch (Throwable t) {
            device = null;
            opened.close();
            throw t;
        }
    }

    /**
     * Asks the kernel whether the device is still there, if no frame came since the last time; the io calls it every
     * {@link #DEVICE_CHECK_MILLIS} while registered. Deleting a device, the kernel wakes its readers before it
     * detaches them ({@code tun_detach_all}): a reader that runs in between finds no frame and no error, and no wakeup
     * follows. Nothing at all wakes a channel that is not reading.
     */
    void checkDeviceWhenQuiet() {
        long framesRead = metrics.framesRead();
        if (framesRead == framesAtLastDeviceCheck) {
            checkDeviceStillThere();
        }
        framesAtLastDeviceCheck = framesRead;
    }

    /**
     * Closes the channel when its loop shuts down. Netty's IO loops close their channels on the way out, but
     * {@code SingleThreadIoEventLoop.run()} asks {@code isShuttingDown()} before {@code confirmShutdown()}: a shutdown
     * with no quiet period that comes in between ends the loop without {@code IoHandler.prepareToDestroy()}, and
     * the device and its fd would outlive the loop. Shutdown hooks run in every case, on the loop, before it stops.
     */
    private void watchLoopShutdown(boolean watch) {
        if (eventLoop() instanceof SingleThreadEventExecutor loop) {
            if (watch) {
                loop.addShutdownHook(closeOnShutdown);
            } else {
                loop.removeShutdownHook(closeOnShutdown);
            }
        }
    }

    private void closeOnShutdown() {
        if (isOpen()) {
            ((TapUnsafe) unsafe()).closeOnLoopShutdown();
        }
    }

    private int maxFrameLength(LinkLayer mode, int mtu) {
        return linkOverhead(mode) + (receivesSuperFrames() ? TapChannelConfig.MAX_SUPER_PACKET_LENGTH : mtu);
    }

    private static int linkOverhead(LinkLayer mode) {
        return mode == LinkLayer.ETHERNET ? TapChannelConfig.TAP_LINK_OVERHEAD : 0;
    }

    /** Whether the kernel may hand over super-frames: a segmentation offload is on. */
    private boolean receivesSuperFrames() {
        Set<TunOffload> offloads = config.getOffloads();
        return offloads != null && (offloads.contains(TunOffload.TSO4) || offloads.contains(TunOffload.TSO6)
                || offloads.contains(TunOffload.USO4) || offloads.contains(TunOffload.USO6));
    }

    /** The device, once bound; {@code null} before. */
    TunTapDevice device() {
        return device;
    }

    /** Whether {@link #DEVICE_CLOSER} is closing the fd now. */
    boolean isFdClosingOffLoop() {
        CompletableFuture<Void> closing = fdClosedOffLoop;
        return closing != null && !closing.isDone();
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
        return askKernel(() -> NetDeviceControl.statistics(current.name()), "read the kernel's counters of");
    }

    /** A question about the device that must be asked from inside its network namespace. */
    @FunctionalInterface
    interface KernelQuery<T> {
        T ask() throws TunTapException;
    }

    /**
     * Asks {@code query} on the channel's loop, whose thread created the device and so lives in its network
     * namespace: the answer is the device's even when the caller's thread is in another namespace. A caller off the
     * loop waits up to {@value #KERNEL_QUERY_TIMEOUT_SECONDS} s.
     *
     * @throws ChannelException wrapping the {@link TunTapException} if the kernel refuses
     */
    <T> T askKernel(KernelQuery<T> query, String what) {
        EventLoop loop = isRegistered() ? eventLoop() : null;
        try {
            if (loop == null) {
                return query.ask();
            }
            KernelQuery<T> onLoop = () -> {
                if (fdClosedOffLoop != null) {
                    // The fd is closed, or being closed on DEVICE_CLOSER: its number may belong to another file.
                    throw new ChannelException("cannot " + what + " " + localAddress + ": the channel is closed");
                }
                return query.ask();
            };
            if (loop.inEventLoop()) {
                return onLoop.ask();
            }
            Future<T> answer = loop.submit((Callable<T>) onLoop::ask);
            if (!answer.await(KERNEL_QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new ChannelException("the event loop of " + localAddress + " did not " + what + " it within "
                        + KERNEL_QUERY_TIMEOUT_SECONDS + " s");
            }
            if (!answer.isSuccess()) {
                Throwable cause = answer.cause();
                throw cause instanceof ChannelException e ? e : new ChannelException(
                        "cannot " + what + " " + localAddress + ": " + cause.getMessage(), cause);
            }
            return answer.getNow();
        } catch (TunTapException e) {
            throw new ChannelException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted while waiting to " + what + " " + localAddress, e);
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
        TapIo current = isRegistered() ? io : null;
        if (current != null && eventLoop().inEventLoop()) {
            watchLoopShutdown(false);
        }
        if (fdClosedOffLoop != null) {
            // Closed on DEVICE_CLOSER already.
            return;
        }
        if (current == null) {
            closeDevice(closing);
            return;
        }
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            current.deregister(closing);
            return;
        }
        try {
            loop.execute(() -> current.deregister(closing));
        } catch (RejectedExecutionException e) {
            // The loop is gone, and with it the registration: nothing to wait for.
            closeDevice(closing);
        }
    }

    /** Closes the device's fd, once nothing in the loop refers to it any more. */
    void closeDevice(TunTapDevice closing) {
        if (closing == null) {
            return;
        }
        try {
            closing.close();
        } catch (TunTapException e) {
            pipeline().fireExceptionCaught(e);
        }
    }

    @Override
    protected void doDeregister() {
        readPending = false;
        if (io != null && open) {
            watchLoopShutdown(false);
            io.deregister(null);
        }
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        io.beginRead();
    }

    boolean isReadPending() {
        return readPending;
    }

    /**
     * Accepts {@link ByteBuf} frames (and {@link VirtioNetFrame}s), no longer than the device allows, and hands the
     * loop a buffer it can write from its memory address: heap and multi-component buffers are copied once into a
     * direct one; on a channel with a vnet header, the header goes before the frame, see
     * {@link TapChannelOption#OFFLOADS}.
     */
    @Override
    protected Object filterOutboundMessage(Object msg) {
        // Every check comes before the message is taken apart: if one throws, the caller releases msg as it came.
        int headerLength = config.vnetHeaderLength();
        VirtioNetFrame holder = null;
        ByteBuf frame;
        if (msg instanceof VirtioNetFrame virtio) {
            if (headerLength == 0 && (virtio.isGso() || virtio.needsCsum())) {
                throw new UnsupportedOperationException("a " + virtio + " needs the kernel to segment or checksum"
                        + " it: bind the channel with TapChannelOption.OFFLOADS, or put a GsoSplitter before it");
            }
            holder = virtio;
            frame = virtio.content();
        } else if (msg instanceof ByteBuf buf) {
            frame = buf;
        } else {
            throw new UnsupportedOperationException("TapChannel writes ByteBuf frames only, not "
                    + StringUtil.simpleClassName(msg) + "; add an encoder that turns it into a ByteBuf");
        }
        checkLength(frame, headerLength != 0);
        if (headerLength != 0) {
            return withHeader(frame, holder);
        }
        if (frame.hasMemoryAddress()) {
            return holder == null ? frame : holder.takeContent();
        }
        return copyToDirect(frame, holder, false);
    }

    private void checkLength(ByteBuf frame, boolean superFrameAllowed) {
        int length = frame.readableBytes();
        int max = superFrameAllowed
                ? linkOverhead(localAddress.linkLayer()) + TapChannelConfig.MAX_SUPER_PACKET_LENGTH
                : config.getMaxFrameLength();
        if (length == 0) {
            throw new IllegalArgumentException("empty frame: a TAP/TUN device takes no zero-length writes");
        }
        if (length > max) {
            metrics.oversizeDropped();
            throw new IllegalArgumentException("frame of " + length + " bytes is longer than the " + max
                    + " bytes that " + localAddress + " accepts (" + (superFrameAllowed ? "a super-frame" : "its MTU")
                    + (localAddress != null && localAddress.linkLayer() == LinkLayer.ETHERNET
                            ? " + " + TapChannelConfig.TAP_LINK_OVERHEAD + " bytes of Ethernet header and VLAN tag"
                            : "")
                    + "); the frame was dropped, the channel stays open");
        }
    }

    /**
     * Puts the vnet header ({@code holder}'s, or a zero one for a plain buffer) right before the frame's bytes, as
     * one write must carry both: into the buffer's own bytes before its reader index when it has room there and
     * this is its only reference (nothing else can read those bytes), else into a copy.
     */
    private ByteBuf withHeader(ByteBuf content, VirtioNetFrame holder) {
        int headerIndex = content.readerIndex() - VirtioNetFrame.HEADER_LENGTH;
        if (headerIndex >= 0 && content.hasMemoryAddress() && content.refCnt() == 1) {
            encodeHeader(holder, content, headerIndex);
            content.readerIndex(headerIndex);
            return holder == null ? content : holder.takeContent();
        }
        return copyToDirect(content, holder, true);
    }

    /** Writes {@code holder}'s header at {@code index}, or a zero one for a plain buffer ({@code holder} null). */
    private static void encodeHeader(VirtioNetFrame holder, ByteBuf buf, int index) {
        if (holder == null) {
            VirtioNetFrame.encodePlainHeader(buf, index);
        } else {
            holder.encodeHeader(buf, index);
        }
    }

    /**
     * Copies the frame into a new direct buffer, after its vnet header if {@code withHeader}, and releases the
     * original message ({@code holder} if not null, else the frame).
     */
    private ByteBuf copyToDirect(ByteBuf frame, VirtioNetFrame holder, boolean withHeader) {
        int headerLength = withHeader ? VirtioNetFrame.HEADER_LENGTH : 0;
        int length = frame.readableBytes();
        ByteBuf direct = config.getAllocator().directBuffer(headerLength + length);
        try {
            if (withHeader) {
                encodeHeader(holder, direct, 0);
            }
            direct.writerIndex(headerLength);
            direct.writeBytes(frame, frame.readerIndex(), length);
            if (!direct.hasMemoryAddress()) {
                throw new UnsupportedOperationException(
                        "the channel's allocator gives direct buffers without a memory address");
            }
        } catch (Throwable t) {
            direct.release();
            throw t;
        }
        ReferenceCountUtil.release(holder != null ? holder : frame);
        return direct;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        io.write(in);
    }

    /** Errors that concern one frame only (bad length, link down): fail its promise and keep the channel. */
    static boolean isFrameError(int errno) {
        return errno == Errno.EINVAL || errno == Errno.EIO || errno == Errno.EMSGSIZE || errno == Errno.ENOBUFS;
    }

    TunTapException writeFailure(int length, int errno) {
        return new TunTapException(deviceName(), "write of a " + length + "-byte frame", errno);
    }

    /**
     * A write failed in a way no later frame can escape (EBADFD once the device is deleted): tells the pipeline, as a
     * failed read does, and returns the exception to fail the pending writes with as the channel closes.
     */
    TunTapException deviceFailedOnWrite(int errno) {
        TunTapException failure = new TunTapException(deviceName(), "write", errno);
        pipeline().fireExceptionCaught(failure);
        return failure;
    }

    /** Closes the channel because the device failed, failing the writes still pending with {@code cause}. */
    void closeBecause(TunTapException cause) {
        ((TapUnsafe) unsafe()).closeBecause(cause);
    }

    private String deviceName() {
        TunTapDevice current = device;
        return current == null ? String.valueOf(localAddress) : current.name();
    }

    /**
     * A buffer for one inbound frame from the channel's allocator, direct and at least as large as the largest
     * frame the device hands over, vnet header included (a user's allocator that gives less would have the kernel
     * cut frames short).
     */
    ByteBuf allocateFrame(RecvByteBufAllocator.Handle allocHandle) {
        ByteBuf frame = allocHandle.allocate(config.getAllocator());
        int readBufferLength = config.readBufferLength();
        if (frame.writableBytes() < readBufferLength) {
            frame.capacity(frame.writerIndex() + readBufferLength);
        }
        if (!frame.hasMemoryAddress()) {
            frame.release();
            throw new UnsupportedOperationException("TapChannel reads into direct buffers with a memory address;"
                    + " the configured allocator gave " + StringUtil.simpleClassName(frame));
        }
        allocHandle.attemptedBytesRead(frame.writableBytes());
        return frame;
    }

    /**
     * Hands a frame the kernel wrote into {@code frame} to the pipeline; {@code length} is what the read returned.
     * Returns {@code false}, releasing the buffer, if the frame did not fit.
     */
    boolean frameRead(ByteBuf frame, int length) {
        if (cutShort(length, frame.writableBytes())) {
            frame.release();
            return false;
        }
        return wholeFrameRead(frame, length);
    }

    /**
     * Hands a frame known to be whole, the {@code length} bytes after the writer index of {@code frame}, to the
     * pipeline. Returns {@code false}, releasing the buffer, if it is shorter than its vnet header.
     */
    boolean wholeFrameRead(ByteBuf frame, int length) {
        int headerLength = config.vnetHeaderLength();
        if (length < headerLength) {
            frame.release();
            metrics.truncatedDropped();
            return false;
        }
        frame.writerIndex(frame.writerIndex() + length);
        metrics.frameRead(length);
        readPending = false;
        pipeline().fireChannelRead(headerLength == 0 ? frame : VirtioNetFrame.decode(frame));
        return true;
    }

    /**
     * Whether a read of {@code length} bytes into a buffer of {@code bufferLength} was cut short. A read buffer is a
     * byte longer than the longest frame of the MTU the channel knows ({@link TapChannelConfig#readBufferLength()}),
     * so a frame that fills it means the MTU grew behind the channel's back and the kernel copied only what fit. Then
     * it counts the drop and sizes the next buffers by the new MTU.
     */
    boolean cutShort(int length, int bufferLength) {
        if (length < bufferLength) {
            return false;
        }
        metrics.truncatedDropped();
        refreshMtu();
        return true;
    }

    private void refreshMtu() {
        TunTapDevice current = device;
        try {
            if (current != null) {
                mtuChanged(current.mtu());
            }
        } catch (TunTapException e) {
            pipeline().fireExceptionCaught(e);
        }
    }

    /**
     * A read failed with {@code errno}: the device is unusable (deleted, most likely); tells the pipeline, closes, and
     * returns what the pipeline was told.
     */
    TunTapException readFailed(int errno) {
        TunTapException failure = new TunTapException(deviceName(), "read", errno);
        pipeline().fireExceptionCaught(failure);
        ((TapUnsafe) unsafe()).closeBecause(failure);
        return failure;
    }

    /** The loop reported an error condition without a read to make: ask the device whether it is still there. */
    void checkDeviceStillThere() {
        TunTapDevice current = device;
        if (current == null || !open || fdClosedOffLoop != null) {
            // Not bound, or closing: the fd may be closed already, and its number another file's.
            return;
        }
        try {
            current.checkAttached();
        } catch (TunTapException e) {
            pipeline().fireExceptionCaught(e);
            unsafe().close(unsafe().voidPromise());
        }
    }

    /** Flushes now, even while a flush is pending: called when the pending writes have completed. */
    void flushNow() {
        ((TapUnsafe) unsafe()).flushNow();
    }

    /**
     * Auto-read was turned off (from any thread): stop reading on the loop. The read auto-read had asked for is
     * dropped too, as Netty's own channels do, so no frame comes until {@code read()}.
     */
    void autoReadCleared() {
        if (isRegistered() && io != null) {
            EventLoop loop = eventLoop();
            if (loop.inEventLoop()) {
                stopAutoRead();
            } else {
                loop.execute(this::stopAutoRead);
            }
        }
    }

    private void stopAutoRead() {
        readPending = false;
        io.stopReading();
    }

    private final class TapUnsafe extends AbstractUnsafe {
        /** The close under way, from its start until Netty's own close takes over; {@code null} otherwise. */
        private ChannelPromise pendingClose;

        /**
         * Closes once nothing is in flight and the fd is closed: on io_uring, reads are cancelled and writes finish
         * first; then the fd leaves the loop and is closed on {@link #DEVICE_CLOSER}; and back on the loop Netty's
         * close completes the close future, fails the frames still queued and fires the events. The close future
         * thus means "device gone", and the loop serves its other channels meanwhile.
         */
        @Override
        public void close(ChannelPromise promise) {
            if (pendingClose != null) {
                closeFuture().addListener(closed -> safeSetSuccess(promise));
                return;
            }
            if (!isOpen() || device == null || io == null || !isRegistered() || !eventLoop().inEventLoop()) {
                super.close(promise);
                return;
            }
            pendingClose = promise;
            if (!io.quiesce(this::afterQuiesce)) {
                closeFdOffLoop();
            }
        }

        private void afterQuiesce() {
            if (eventLoop().isShuttingDown()) {
                // A loop on its way out runs no more scheduled tasks (and see closeOnLoopShutdown).
                closeInPlace();
                return;
            }
            // io_uring lets go of the requests' references to the file on its next turn: close after it, so that
            // this fd is the device's last reference and its close takes the device with it.
            eventLoop().schedule(this::closeFdOffLoop, 1, TimeUnit.MILLISECONDS);
        }

        private void closeFdOffLoop() {
            if (pendingClose == null || fdClosedOffLoop != null) {
                return;
            }
            if (eventLoop().isShuttingDown()) {
                // See closeOnLoopShutdown.
                closeInPlace();
                return;
            }
            TunTapDevice closing = device;
            io.deregister(null);
            CompletableFuture<Void> fdClosed = CompletableFuture.runAsync(() -> closeDevice(closing), DEVICE_CLOSER);
            fdClosedOffLoop = fdClosed;
            fdClosed.whenComplete((ignored, failure) -> {
                try {
                    eventLoop().execute(this::closeInPlace);
                } catch (RejectedExecutionException loopStopped) {
                    // Its shutdown hook finished the close before it stopped (closeOnLoopShutdown).
                }
            });
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
         * fd already being closed off the loop is waited for, and otherwise Netty's close runs at once: the io lets go
         * of the fd when its last operation has completed, which the loop's cleanup sees to.
         */
        void closeOnLoopShutdown() {
            CompletableFuture<Void> fdClosed = fdClosedOffLoop;
            if (fdClosed != null) {
                fdClosed.join();
            }
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
            if (fdClosedOffLoop == null) {
                super.flush0();
            }
        }

        /** Closes the channel, failing the writes still pending with {@code cause} (as a failed flush does). */
        void closeBecause(TunTapException cause) {
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
