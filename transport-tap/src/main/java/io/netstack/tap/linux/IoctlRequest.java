package io.netstack.tap.linux;

/**
 * Request codes for {@code ioctl(2)}, computed the way {@code <asm-generic/ioctl.h>} does, because the TUN/TAP
 * requests are function-like macros ({@code #define TUNSETIFF _IOW('T', 202, int)}) that no header binding exports.
 *
 * <p>A request packs a direction, a size, a type letter and a number: {@code dir << 30 | size << 16 | type << 8 | nr}.
 */
public final class IoctlRequest {
    private static final int NR_BITS = 8;
    private static final int TYPE_BITS = 8;
    private static final int SIZE_BITS = 14;
    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = NR_SHIFT + NR_BITS;
    private static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;
    private static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;

    private static final int DIR_NONE = 0;
    private static final int DIR_WRITE = 1;
    private static final int DIR_READ = 2;

    private static final int SIZEOF_INT = Integer.BYTES;
    private static final char TUN_TYPE = 'T';

    /** {@code _IOW('T', 202, int)}: attach the fd to a device, creating it if needed. */
    public static final long TUNSETIFF = ioWrite(TUN_TYPE, 202, SIZEOF_INT);
    /** {@code _IOW('T', 203, int)}: keep the device when its last fd closes. */
    public static final long TUNSETPERSIST = ioWrite(TUN_TYPE, 203, SIZEOF_INT);
    /** {@code _IOW('T', 204, int)}: the uid allowed to attach without CAP_NET_ADMIN. */
    public static final long TUNSETOWNER = ioWrite(TUN_TYPE, 204, SIZEOF_INT);
    /** {@code _IOW('T', 206, int)}: the gid allowed to attach without CAP_NET_ADMIN. */
    public static final long TUNSETGROUP = ioWrite(TUN_TYPE, 206, SIZEOF_INT);
    /** {@code _IOR('T', 207, unsigned int)}: the IFF_* flags this kernel's driver supports. */
    public static final long TUNGETFEATURES = ioRead(TUN_TYPE, 207, SIZEOF_INT);
    /** {@code _IOW('T', 208, unsigned int)}: the offloads ({@code TUN_F_*}) the reader handles; a plain value. */
    public static final long TUNSETOFFLOAD = ioWrite(TUN_TYPE, 208, SIZEOF_INT);
    /** {@code _IOR('T', 210, unsigned int)}: the name and flags of the attached device. */
    public static final long TUNGETIFF = ioRead(TUN_TYPE, 210, SIZEOF_INT);
    /** {@code _IOW('T', 216, int)}: the length of the {@code virtio_net_hdr} before each frame (10 by default). */
    public static final long TUNSETVNETHDRSZ = ioWrite(TUN_TYPE, 216, SIZEOF_INT);
    /** {@code _IOW('T', 217, int)}: attach or detach this queue of a multiqueue device. */
    public static final long TUNSETQUEUE = ioWrite(TUN_TYPE, 217, SIZEOF_INT);
    /** {@code _IOW('T', 220, int)}: {@code virtio_net_hdr} fields little-endian (1), or host order (0). */
    public static final long TUNSETVNETLE = ioWrite(TUN_TYPE, 220, SIZEOF_INT);
    /** {@code _IOW('T', 226, int)}: turn the device's carrier on or off. */
    public static final long TUNSETCARRIER = ioWrite(TUN_TYPE, 226, SIZEOF_INT);

    private IoctlRequest() {
    }

    /** {@code _IO(type, nr)}: a request without an argument. */
    public static long io(char type, int nr) {
        return encode(DIR_NONE, type, nr, 0);
    }

    /** {@code _IOW(type, nr, size)}: the kernel reads {@code size} bytes from the argument. */
    public static long ioWrite(char type, int nr, int size) {
        return encode(DIR_WRITE, type, nr, size);
    }

    /** {@code _IOR(type, nr, size)}: the kernel writes {@code size} bytes to the argument. */
    public static long ioRead(char type, int nr, int size) {
        return encode(DIR_READ, type, nr, size);
    }

    private static long encode(int direction, char type, int nr, int size) {
        if (type > 0xff || nr < 0 || nr > 0xff || size < 0 || size >= 1 << SIZE_BITS) {
            throw new IllegalArgumentException(
                    "ioctl request out of range: type=" + (int) type + " nr=" + nr + " size=" + size);
        }
        return ((long) direction << DIR_SHIFT) | ((long) size << SIZE_SHIFT)
                | ((long) type << TYPE_SHIFT) | ((long) nr << NR_SHIFT);
    }
}
