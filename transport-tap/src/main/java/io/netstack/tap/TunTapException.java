package io.netstack.tap;

import io.netstack.tap.linux.TunTapDevice;

import io.netstack.tap.linux.Errno;

import java.io.IOException;

/**
 * A failed control-plane call on a TUN/TAP device: which device, which operation, the errno, and what to do.
 */
public final class TunTapException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The device name as asked for, "" when the kernel was to choose it. */
    private final String deviceName;
    /** The failed operation, e.g. {@code "TUNSETIFF"}. */
    private final String operation;
    /** The kernel's errno, positive. */
    private final int errno;

    /**
     * A failure without an explanation from the kernel beyond its errno.
     *
     * @param deviceName the device, or "" when the kernel was to choose its name
     * @param operation  what failed, e.g. {@code "TUNSETIFF"}
     * @param errno      the kernel's errno (positive)
     */
    public TunTapException(String deviceName, String operation, int errno) {
        this(deviceName, operation, errno, null);
    }

    /**
     * A failure the kernel explained besides its errno.
     *
     * @param deviceName        the device, or "" when the kernel was to choose its name
     * @param operation         what failed, e.g. {@code "TUNSETIFF"}
     * @param errno             the kernel's errno (positive)
     * @param kernelExplanation what the kernel said besides the errno (netlink extended ack), or {@code null}
     */
    public TunTapException(String deviceName, String operation, int errno, String kernelExplanation) {
        super(describe(deviceName, operation, errno, kernelExplanation));
        this.deviceName = deviceName;
        this.operation = operation;
        this.errno = errno;
    }

    /** {@return the device name as asked for, "" when the kernel was to choose it} */
    public String deviceName() {
        return deviceName;
    }

    /** {@return the failed operation, e.g. {@code "TUNSETIFF"} or {@code "open /dev/net/tun"}} */
    public String operation() {
        return operation;
    }

    /** {@return the kernel's errno, positive, e.g. 1 for EPERM} */
    public int errno() {
        return errno;
    }

    /** {@return the errno's symbolic name, e.g. {@code "EPERM"}} */
    public String errnoName() {
        return Errno.name(errno);
    }

    private static String describe(String deviceName, String operation, int errno, String kernelExplanation) {
        String device = deviceName.isEmpty() ? "a new device" : "device " + deviceName;
        return operation + " failed for " + device + ": " + Errno.name(errno) + " (errno " + errno + ")"
                + (kernelExplanation == null || kernelExplanation.isEmpty() ? "" : ", the kernel says: \""
                        + kernelExplanation + '"')
                + ". " + advice(deviceName, operation, errno);
    }

    private static String advice(String deviceName, String operation, int errno) {
        boolean write = operation.startsWith("write");
        return switch (errno) {
            case Errno.EPERM -> "Creating or configuring a TUN/TAP device needs CAP_NET_ADMIN: run as root, inside a"
                    + " user and network namespace (`unshare --user --map-root-user --net`), or attach to a persistent"
                    + " device root created for your user (TUNSETOWNER). To give a JVM the capability, copy bin/java,"
                    + " point its library path at the JDK (`patchelf --set-rpath <jdk>/lib <copy>`: a binary with"
                    + " capabilities ignores $ORIGIN) and `setcap cap_net_admin=eip <copy>`.";
            case Errno.EBUSY -> operation.contains(TunTapDevice.EXCLUSIVE_CREATION)
                    ? "A network device named " + deviceName + " already exists and exclusive creation"
                            + " (IFF_TUN_EXCL) was asked for: choose another name, delete it (`ip link del "
                            + deviceName + "`), or attach to it on purpose with exclusive creation turned off."
                    : "Device " + deviceName + " is in use: another fd (another channel or process) holds its only"
                            + " queue, as it was not created multi-queue. Close the other user first, or create the"
                            + " device with TapChannelOption.MULTI_QUEUE (IFF_MULTI_QUEUE) on every channel that"
                            + " shares it.";
            case Errno.ENOENT, Errno.ENODEV, Errno.ENXIO -> operation.startsWith("open")
                    ? "There is no usable " + TunTapDevice.CLONE_DEVICE + ": load the tun module (`modprobe tun`) or"
                            + " create the node (`mknod " + TunTapDevice.CLONE_DEVICE + " c 10 200`)."
                    : "No network device named " + deviceName + " exists (was it deleted?).";
            case Errno.EACCES -> "No permission to open " + TunTapDevice.CLONE_DEVICE + ": run as root or make the"
                    + " node accessible to your user (many distributions use mode 0666; creating a device still"
                    + " needs CAP_NET_ADMIN).";
            case Errno.EINVAL -> invalid(deviceName, operation);
            case Errno.EIO -> write
                    ? "The link of " + deviceName + " is down, so the kernel takes no frames: bring it up (`ip link"
                            + " set " + deviceName + " up`, or bind with TapChannelOption.LINK_UP); the channel stays"
                            + " open and the next write is tried again."
                    : generic(operation);
            case Errno.EMFILE, Errno.ENFILE -> "Too many open files: close unused channels or raise `ulimit -n`.";
            case Errno.EBADFD -> "The device behind this file descriptor is gone (deleted from outside?).";
            default -> generic(operation);
        };
    }

    private static String invalid(String deviceName, String operation) {
        if (operation.startsWith("write")) {
            return "The kernel refused the frame: it is shorter than the device's link header (the 14-byte Ethernet"
                    + " header of a TAP device), is no IPv4 or IPv6 packet (on a TUN device), or its vnet header does"
                    + " not fit it.";
        }
        if (operation.startsWith("set MTU")) {
            return "The MTU is outside the range " + deviceName + " accepts (68 to 65521 bytes on a TAP device, to"
                    + " 65535 on a TUN device); the frames the device carries are longer than the MTU by their link"
                    + " header only.";
        }
        return "The kernel refused the request: a device named " + deviceName + " may exist with other flags (TAP vs"
                + " TUN, multiqueue and vnet_hdr must match how it was created) or not be a TUN/TAP device at all, or"
                + " the value is out of range.";
    }

    private static String generic(String operation) {
        return "See `man 2 ioctl` and Documentation/networking/tuntap.rst for " + operation + ".";
    }
}
