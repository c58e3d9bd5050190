package io.netstack.tap;

import io.netstack.tap.linux.NetDeviceControl;
import io.netstack.tap.linux.TunTapDevice;
import io.netstack.tap.linux.TunTapFlag;
import io.netstack.wire.VirtioNetFrame;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.SingleThreadEventExecutor;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The device of a {@link TapChannel} from its opening to its close: the flags and settings it is opened with, the
 * questions asked of the kernel about it (from inside its network namespace), the check that it is still there,
 * and the close of its fd off the event loop.
 */
final class DeviceLifecycle {
    /**
     * How long a registered channel goes without reading a frame before it asks the kernel whether its device is
     * still there (see {@link #checkWhenQuiet(long)}).
     */
    static final long DEVICE_CHECK_MILLIS = 500;
    private static final long KERNEL_QUERY_TIMEOUT_SECONDS = 10;
    /**
     * Where devices are closed, off the event loops: the kernel tears a device down in {@code close(2)} of its last
     * fd and waits for RCU grace periods meanwhile, time in which the loop serves its other channels instead. Threads
     * come with demand and go after a minute idle, so devices closing at once overlap their waits.
     */
    private static final Executor DEVICE_CLOSER =
            Executors.newCachedThreadPool(new DefaultThreadFactory("netstack-device-close", true));

    private final TapChannel channel;
    private final Runnable closeOnShutdown = this::closeOnShutdown;
    private volatile TunTapDevice device;
    private volatile TapAddress address;
    /**
     * The fd's close on {@link #DEVICE_CLOSER}, once the loop has let go of the fd; from then on nothing on the loop
     * may touch it.
     */
    private volatile CompletableFuture<Void> fdClosedOffLoop;
    private long framesAtLastCheck;
    /** What runs on the loop once the close under way has closed the fd. */
    private Runnable whenClosed;

    DeviceLifecycle(TapChannel channel) {
        this.channel = channel;
    }

    /** The device, once bound; {@code null} before. */
    TunTapDevice device() {
        return device;
    }

    /**
     * Opens the device {@code address} names with the flags the configuration asks for, and applies the settings
     * asked for before bind; on failure nothing is left open (and a device the call created is gone).
     */
    private TunTapDevice open(TapAddress address) throws Exception {
        TapChannelConfig config = channel.config();
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
            config.deviceSettings().applyTo(opened);
            config.linkBound(opened.mode(), opened.mtu());
            return opened;
        } catch (Throwable t) {
            opened.close();
            throw t;
        }
    }

    /** The device's name and kind, once bound; {@code null} before. */
    TapAddress address() {
        return address;
    }

    /**
     * Opens the device {@code requested} names and adds its fd to the loop of {@code io}; on failure nothing is left
     * open (and a device the call created is gone).
     */
    void bind(TapAddress requested, TapIo io) throws Exception {
        TunTapDevice opened = open(requested);
        try {
            address = new TapAddress(opened.name(), opened.mode());
            device = opened;
            io.register(opened);
            watchLoopShutdown(true);
        } catch (Throwable t) {
            device = null;
            opened.close();
            throw t;
        }
    }

    /** The channel registered with {@code io}'s loop: after a deregister, the device is there already. */
    void registered(TapIo io) throws Exception {
        if (device != null) {
            io.register(device);
            watchLoopShutdown(true);
        }
    }

    /**
     * Netty's close of the channel: the fd leaves the loop of {@code io} ({@code null} if the channel is not
     * registered) and is closed, unless the close off the loop has done so already.
     */
    void channelClosed(TapIo io) {
        TunTapDevice closing = device;
        if (closing == null) {
            return;
        }
        EventLoop loop = io != null ? channel.eventLoop() : null;
        if (loop != null && loop.inEventLoop()) {
            watchLoopShutdown(false);
        }
        if (fdClosedOffLoop != null) {
            return;
        }
        if (loop == null) {
            closeFd(closing);
        } else if (loop.inEventLoop()) {
            io.deregister(closing);
        } else {
            try {
                loop.execute(() -> io.deregister(closing));
            } catch (RejectedExecutionException e) {
                // The loop is gone, and with it the registration: nothing to wait for.
                closeFd(closing);
            }
        }
    }

    /** Whether the fd has left the loop to be closed: from then on its number may belong to another file. */
    boolean isFdLeavingLoop() {
        return fdClosedOffLoop != null;
    }

    /**
     * Asks the kernel whether the device is still there if no frame came since the last time; the io calls it every
     * {@link #DEVICE_CHECK_MILLIS} while registered. Deleting a device, the kernel wakes its readers before it
     * detaches them ({@code tun_detach_all}): a reader that runs in between finds no frame and no error, and no wakeup
     * follows. Nothing at all wakes a channel that is not reading.
     */
    void checkWhenQuiet(long framesRead) throws TunTapException {
        boolean quiet = framesRead == framesAtLastCheck;
        framesAtLastCheck = framesRead;
        if (quiet) {
            checkAttached();
        }
    }

    /** Asks the kernel whether the device is still attached to the fd; nothing to ask once closing. */
    void checkAttached() throws TunTapException {
        TunTapDevice current = device;
        if (current != null && channel.isOpen() && fdClosedOffLoop == null) {
            current.checkAttached();
        }
    }

    /** The device's MTU as the kernel has it now. */
    int mtu() throws TunTapException {
        return device.mtu();
    }

    /** See {@link TapChannelMetrics#kernelStatistics()}: asked on the loop, in the namespace the device lives in. */
    LinkStatistics statistics() {
        TunTapDevice current = device;
        if (current == null || !channel.isActive() || !channel.isRegistered()) {
            throw new IllegalStateException(channel + " is not bound, or closed: its device has no counters to read");
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
        EventLoop loop = channel.isRegistered() ? channel.eventLoop() : null;
        TapAddress address = channel.localAddress();
        try {
            if (loop == null) {
                return query.ask();
            }
            KernelQuery<T> onLoop = () -> {
                if (fdClosedOffLoop != null) {
                    throw new ChannelException("cannot " + what + " " + address + ": the channel is closed");
                }
                return query.ask();
            };
            if (loop.inEventLoop()) {
                return onLoop.ask();
            }
            Future<T> answer = loop.submit((Callable<T>) onLoop::ask);
            if (!answer.await(KERNEL_QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new ChannelException("the event loop of " + address + " did not " + what + " it within "
                        + KERNEL_QUERY_TIMEOUT_SECONDS + " s");
            }
            if (!answer.isSuccess()) {
                Throwable cause = answer.cause();
                throw cause instanceof ChannelException e ? e : new ChannelException(
                        "cannot " + what + " " + address + ": " + cause.getMessage(), cause);
            }
            return answer.getNow();
        } catch (TunTapException e) {
            throw new ChannelException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted while waiting to " + what + " " + address, e);
        }
    }

    /**
     * Closes the device in the order that lets the kernel tear it down while {@code loop} serves its other channels:
     * the operations {@code io} has in flight end first (on io_uring, reads are cancelled and writes finish), then
     * the fd leaves the loop and is closed on {@link #DEVICE_CLOSER}, and then {@code whenClosed} runs on the loop.
     * A loop on its way out runs no more scheduled tasks: then {@code whenClosed} runs at once, and the io lets go
     * of the fd when its last operation has completed, which the loop's cleanup sees to.
     */
    void close(TapIo io, EventLoop loop, Runnable whenClosed) {
        this.whenClosed = whenClosed;
        if (!io.quiesce(() -> afterQuiesce(io, loop))) {
            closeFdOffLoop(io, loop);
        }
    }

    private void afterQuiesce(TapIo io, EventLoop loop) {
        if (loop.isShuttingDown()) {
            closed();
            return;
        }
        // io_uring lets go of the requests' references to the file on its next turn: close after it, so that this fd
        // is the device's last reference and its close takes the device with it.
        loop.schedule(() -> closeFdOffLoop(io, loop), 1, TimeUnit.MILLISECONDS);
    }

    private void closeFdOffLoop(TapIo io, EventLoop loop) {
        if (whenClosed == null || fdClosedOffLoop != null) {
            return;
        }
        if (loop.isShuttingDown()) {
            closed();
            return;
        }
        TunTapDevice closing = device;
        io.deregister(null);
        CompletableFuture<Void> fdClosed = CompletableFuture.runAsync(() -> closeFd(closing), DEVICE_CLOSER);
        fdClosedOffLoop = fdClosed;
        fdClosed.whenComplete((ignored, failure) -> {
            try {
                loop.execute(this::closed);
            } catch (RejectedExecutionException loopStopped) {
                // Its shutdown hook finished the close before it stopped (see awaitCloseOffLoop).
            }
        });
    }

    /** Runs what waited for the close, once. */
    private void closed() {
        Runnable then = whenClosed;
        if (then != null) {
            whenClosed = null;
            then.run();
        }
    }

    /**
     * Closes the channel when its loop shuts down. Netty's IO loops close their channels on the way out, but
     * {@code SingleThreadIoEventLoop.run()} asks {@code isShuttingDown()} before {@code confirmShutdown()}: a shutdown
     * with no quiet period that comes in between ends the loop without {@code IoHandler.prepareToDestroy()}, and
     * the device and its fd would outlive the loop. Shutdown hooks run in every case, on the loop, before it stops.
     */
    void watchLoopShutdown(boolean watch) {
        if (channel.eventLoop() instanceof SingleThreadEventExecutor loop) {
            if (watch) {
                loop.addShutdownHook(closeOnShutdown);
            } else {
                loop.removeShutdownHook(closeOnShutdown);
            }
        }
    }

    private void closeOnShutdown() {
        if (channel.isOpen()) {
            channel.closeOnLoopShutdown();
        }
    }

    /** Waits for the fd's close off the loop, if one began. */
    void awaitCloseOffLoop() {
        CompletableFuture<Void> fdClosed = fdClosedOffLoop;
        if (fdClosed != null) {
            fdClosed.join();
        }
    }

    /** Closes {@code closing}'s fd, once nothing in the loop refers to it any more; does nothing for {@code null}. */
    void closeFd(TunTapDevice closing) {
        if (closing == null) {
            return;
        }
        try {
            closing.close();
        } catch (TunTapException e) {
            channel.pipeline().fireExceptionCaught(e);
        }
    }
}
