package io.netstack.tap.linux;

import io.netstack.wire.LinkLayer;

import io.netstack.tap.TunTapException;

import io.netstack.tap.TunOffload;

import java.io.Closeable;
import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One file descriptor of {@code /dev/net/tun} attached to a TUN or TAP device with {@code TUNSETIFF}.
 *
 * <p>The fd is non-blocking and close-on-exec. A device that is not persistent disappears when its last fd closes;
 * a failure part-way through {@link #open} closes the fd, so no half-made device is left behind.
 *
 * <p>The device lives in the network namespace of the thread that calls {@link #open}: the kernel binds the fd to
 * the caller's namespace when {@code /dev/net/tun} is opened.
 */
public final class TunTapDevice implements Closeable {
    /** The clone device every TUN/TAP fd is opened from. */
    public static final String CLONE_DEVICE = "/dev/net/tun";
    /** What the operation of a {@code TUNSETIFF} that asked for {@code IFF_TUN_EXCL} names. */
    public static final String EXCLUSIVE_CREATION = "IFF_TUN_EXCL";

    private static final int IFF_ATTACH_QUEUE = 0x0200;
    private static final int IFF_DETACH_QUEUE = 0x0400;

    private final int fd;
    private final String name;
    private final LinkLayer mode;
    private final int ifrFlags;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TunTapDevice(int fd, String name, LinkLayer mode, int ifrFlags) {
        this.fd = fd;
        this.name = name;
        this.mode = mode;
        this.ifrFlags = ifrFlags;
    }

    /**
     * Opens {@code /dev/net/tun} and attaches the fd to the device {@code name}, creating it if it does not exist.
     *
     * @param name  the interface name, or "" to let the kernel choose ({@code tap%d}/{@code tun%d})
     * @param mode  TAP (Ethernet frames) or TUN (IP packets)
     * @param flags optional flags; {@link TunTapFlag#EXCLUSIVE} refuses to attach to an existing device
     * @throws IllegalArgumentException if {@code name} breaks the kernel's naming rules (before any syscall)
     * @throws TunTapException          if the kernel refuses, with errno and advice
     */
    public static TunTapDevice open(String name, LinkLayer mode, Set<TunTapFlag> flags) throws TunTapException {
        InterfaceName.validate(name);
        int requested = TunTapFlag.modeFlag(mode) | TunTapFlag.IFF_NO_PI;
        for (TunTapFlag flag : flags) {
            requested |= flag.iffFlag();
        }
        int fd = Libc.open(CLONE_DEVICE, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0) {
            throw new TunTapException(name, "open " + CLONE_DEVICE, -fd);
        }
        try (Arena arena = Arena.ofConfined()) {
            IfReq request = IfReq.allocate(arena, name).flags(requested);
            // The operation says whether exclusive creation was asked for: EBUSY means "exists" then, and "its only
            // queue is taken" otherwise.
            check(Libc.ioctl(fd, IoctlRequest.TUNSETIFF, request.segment()), name,
                    flags.contains(TunTapFlag.EXCLUSIVE) ? "TUNSETIFF (" + EXCLUSIVE_CREATION + ")" : "TUNSETIFF");
            // The kernel writes the chosen name back into the request, but TUNGETIFF is the documented way to learn
            // the name and the flags the device really has (an attached persistent device keeps its own).
            IfReq actual = IfReq.allocate(arena, "");
            check(Libc.ioctl(fd, IoctlRequest.TUNGETIFF, actual.segment()), name, "TUNGETIFF");
            return new TunTapDevice(fd, actual.name(), TunTapFlag.linkLayerOf(actual.flags()), actual.flags());
        } catch (TunTapException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static void check(int result, String name, String operation) throws TunTapException {
        if (result < 0) {
            throw new TunTapException(name, operation, -result);
        }
    }

    /** The raw file descriptor; it stays owned by this object, which alone closes it. */
    public int fd() {
        return fd;
    }

    /** The interface name the kernel gave the device (the chosen one when "" was asked for). */
    public String name() {
        return name;
    }

    public LinkLayer mode() {
        return mode;
    }

    /** Whether the device outlives this fd ({@code IFF_PERSIST}). */
    public boolean isPersistent() {
        return (ifrFlags & TunTapFlag.IFF_PERSIST) != 0;
    }

    /** Whether the device was opened with {@code flag}, as TUNGETIFF reports it. */
    public boolean has(TunTapFlag flag) {
        return (ifrFlags & flag.iffFlag()) != 0;
    }

    /** The device's MTU, asked of the kernel now (it may have been changed from outside). */
    public int mtu() throws TunTapException {
        return NetDeviceControl.mtu(name);
    }

    /**
     * Keeps the device when its last fd closes ({@code TUNSETPERSIST 1}), or lets it go with them (0). A persistent
     * device is deleted with {@code setPersistent(false)} and a close, or {@code ip link del}.
     */
    public void setPersistent(boolean persistent) throws TunTapException {
        check(Libc.ioctl(fd, IoctlRequest.TUNSETPERSIST, persistent ? 1 : 0), name, "TUNSETPERSIST");
    }

    /**
     * Lets the user {@code uid} attach to this persistent device without CAP_NET_ADMIN ({@code TUNSETOWNER});
     * -1 removes the owner.
     */
    public void setOwner(long uid) throws TunTapException {
        check(Libc.ioctl(fd, IoctlRequest.TUNSETOWNER, uid), name, "TUNSETOWNER");
    }

    /**
     * Lets members of group {@code gid} attach to this persistent device without CAP_NET_ADMIN
     * ({@code TUNSETGROUP}); -1 removes the group.
     */
    public void setGroup(long gid) throws TunTapException {
        check(Libc.ioctl(fd, IoctlRequest.TUNSETGROUP, gid), name, "TUNSETGROUP");
    }

    /** Turns the device's carrier on or off ({@code TUNSETCARRIER}), as a cable plugged in or pulled out. */
    public void setCarrier(boolean carrier) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            check(Libc.ioctl(fd, IoctlRequest.TUNSETCARRIER, arena.allocateFrom(JAVA_INT, carrier ? 1 : 0)),
                    name, "TUNSETCARRIER");
        }
    }

    /**
     * Sets the length of the {@code virtio_net_hdr} the kernel puts before every frame it hands over and expects
     * before every frame written ({@code TUNSETVNETHDRSZ}); at least 10. Only meaningful with
     * {@link TunTapFlag#VNET_HDR}. The length belongs to the device, so it applies to all of its queues.
     */
    public void setVnetHeaderLength(int length) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            check(Libc.ioctl(fd, IoctlRequest.TUNSETVNETHDRSZ, arena.allocateFrom(JAVA_INT, length)),
                    name, "TUNSETVNETHDRSZ");
        }
    }

    /**
     * Makes the {@code virtio_net_hdr} fields little-endian ({@code TUNSETVNETLE 1}), as virtio 1.0 defines them,
     * whatever the host's byte order; with 0 they are in host order (legacy virtio).
     */
    public void setVnetLittleEndian(boolean littleEndian) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            check(Libc.ioctl(fd, IoctlRequest.TUNSETVNETLE, arena.allocateFrom(JAVA_INT, littleEndian ? 1 : 0)),
                    name, "TUNSETVNETLE");
        }
    }

    /**
     * Tells the kernel which offloads the reader handles ({@code TUNSETOFFLOAD}), keeping those this kernel
     * accepts: it refuses a set it cannot honour entirely with EINVAL (an unknown flag, or one whose prerequisite
     * is missing, see {@link TunOffload}), so the wanted set is tried first and then, flag by flag from the newest,
     * made smaller until the kernel takes it. Only meaningful with {@link TunTapFlag#VNET_HDR}.
     *
     * @return the offloads now on, a subset of {@code wanted} (possibly empty)
     * @throws TunTapException if the kernel refuses even the empty set, or fails otherwise than with EINVAL
     */
    public Set<TunOffload> setOffloads(Set<TunOffload> wanted) throws TunTapException {
        EnumSet<TunOffload> trying = wanted.isEmpty() ? EnumSet.noneOf(TunOffload.class) : EnumSet.copyOf(wanted);
        for (;;) {
            int result = Libc.ioctl(fd, IoctlRequest.TUNSETOFFLOAD, offloadFlags(trying));
            if (result >= 0) {
                return trying;
            }
            if (-result != Errno.EINVAL || trying.isEmpty()) {
                check(result, name, "TUNSETOFFLOAD(" + trying + ')');
            }
            removeNewest(trying);
        }
    }

    private static void removeNewest(EnumSet<TunOffload> offloads) {
        TunOffload newest = null;
        for (Iterator<TunOffload> it = offloads.iterator(); it.hasNext(); ) {
            newest = it.next();
        }
        offloads.remove(newest);
    }

    /**
     * Attaches this fd's queue to a multiqueue device, or detaches it so that the kernel sends it nothing
     * ({@code TUNSETQUEUE} with {@code IFF_ATTACH_QUEUE}/{@code IFF_DETACH_QUEUE}).
     */
    public void setQueueAttached(boolean attached) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq request = IfReq.allocate(arena, "").flags(attached ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE);
            check(Libc.ioctl(fd, IoctlRequest.TUNSETQUEUE, request.segment()), name,
                    attached ? "TUNSETQUEUE(IFF_ATTACH_QUEUE)" : "TUNSETQUEUE(IFF_DETACH_QUEUE)");
        }
    }

    /**
     * Asks the kernel whether the fd is still attached to its device ({@code TUNGETIFF}); it is not once the device
     * was deleted from outside, and reads then fail with EBADFD.
     *
     * @throws TunTapException if the device is gone or the fd closed
     */
    public void checkAttached() throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            check(Libc.ioctl(fd, IoctlRequest.TUNGETIFF, IfReq.allocate(arena, "").segment()), name, "TUNGETIFF");
        }
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /** Closes the fd once; a non-persistent device disappears with its last fd. */
    @Override
    public void close() throws TunTapException {
        if (closed.compareAndSet(false, true)) {
            check(Libc.close(fd), name, "close");
        }
    }

    @Override
    public String toString() {
        return "TunTapDevice(" + name + ", " + mode + ", fd " + fd + (isOpen() ? "" : ", closed") + ')';
    }

    /** The {@code TUN_F_*} bits of {@code TUNSETOFFLOAD} for a set of offloads. */
    private static int offloadFlags(Set<TunOffload> offloads) {
        int flags = 0;
        for (TunOffload offload : offloads) {
            flags |= offload.flag();
        }
        return flags;
    }
}
