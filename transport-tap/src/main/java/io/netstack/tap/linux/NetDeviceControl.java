package io.netstack.tap.linux;

import java.lang.foreign.Arena;

/**
 * Link-level settings of a network device by name, through the {@code SIOC*} ioctls of {@code man 7 netdevice} on
 * a throwaway datagram socket (the socket only selects the network namespace: the calling thread's).
 */
public final class NetDeviceControl {
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final long SIOCGIFMTU = 0x8921;
    private static final int IFF_UP = 0x1;

    private NetDeviceControl() {
    }

    /** The MTU of {@code name}. */
    public static int mtu(String name) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq request = IfReq.allocate(arena, name);
            ioctl(name, SIOCGIFMTU, "SIOCGIFMTU", request);
            return request.intValue();
        }
    }

    /** Whether {@code name} is administratively up ({@code IFF_UP}). */
    public static boolean isUp(String name) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq request = IfReq.allocate(arena, name);
            ioctl(name, SIOCGIFFLAGS, "SIOCGIFFLAGS", request);
            return (request.flags() & IFF_UP) != 0;
        }
    }

    /** Sets {@code name} administratively up or down, like {@code ip link set NAME up}. */
    public static void setUp(String name, boolean up) throws TunTapException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq request = IfReq.allocate(arena, name);
            ioctl(name, SIOCGIFFLAGS, "SIOCGIFFLAGS", request);
            int flags = request.flags();
            request.flags(up ? flags | IFF_UP : flags & ~IFF_UP);
            ioctl(name, SIOCSIFFLAGS, "SIOCSIFFLAGS", request);
        }
    }

    private static void ioctl(String name, long request, String operation, IfReq argument) throws TunTapException {
        int socket = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            throw new TunTapException(name, "socket(AF_INET, SOCK_DGRAM)", -socket);
        }
        try {
            int result = Libc.ioctl(socket, request, argument.segment());
            if (result < 0) {
                throw new TunTapException(name, operation, -result);
            }
        } finally {
            Libc.close(socket);
        }
    }
}
