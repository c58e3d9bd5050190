package io.netstack.tap.linux;

import java.lang.foreign.Arena;

/**
 * Link-level settings of a network device by name, through the {@code SIOC*} ioctls of {@code man 7 netdevice} on
 * a throwaway datagram socket (the socket only selects the network namespace; any family would do).
 */
public final class NetDeviceControl {
    private static final long SIOCGIFMTU = 0x8921;

    private NetDeviceControl() {
    }

    /** The MTU of {@code name} in the calling thread's network namespace. */
    public static int mtu(String name) throws TunTapException {
        int socket = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            throw new TunTapException(name, "socket(AF_INET, SOCK_DGRAM)", -socket);
        }
        try (Arena arena = Arena.ofConfined()) {
            IfReq request = IfReq.allocate(arena, name);
            int result = Libc.ioctl(socket, SIOCGIFMTU, request.segment());
            if (result < 0) {
                throw new TunTapException(name, "SIOCGIFMTU", -result);
            }
            return request.intValue();
        } finally {
            Libc.close(socket);
        }
    }
}
