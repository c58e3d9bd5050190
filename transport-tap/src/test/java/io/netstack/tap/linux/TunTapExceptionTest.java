package io.netstack.tap.linux;

import io.netstack.tap.TunTapException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TunTapExceptionTest {
    @Test
    void epermTellsHowToGetCapNetAdmin() {
        TunTapException e = new TunTapException("tap0", "TUNSETIFF", Errno.EPERM);
        assertEquals(1, e.errno());
        assertEquals("EPERM", e.errnoName());
        assertEquals("tap0", e.deviceName());
        assertEquals("TUNSETIFF", e.operation());
        assertTrue(e.getMessage().contains("device tap0"), e.getMessage());
        assertTrue(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
        assertTrue(e.getMessage().contains("setcap cap_net_admin=eip"), e.getMessage());
    }

    @Test
    void ebusySaysTheNameIsTaken() {
        TunTapException e = new TunTapException("tap0", "TUNSETIFF", Errno.EBUSY);
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertTrue(e.getMessage().contains("ip link del tap0"), e.getMessage());
    }

    @Test
    void enoentOnOpenSaysTheCloneDeviceIsMissing() {
        TunTapException e = new TunTapException("tap0", "open /dev/net/tun", Errno.ENOENT);
        assertTrue(e.getMessage().contains("modprobe tun"), e.getMessage());
    }

    @Test
    void eaccesPointsAtTheNodesPermissions() {
        TunTapException e = new TunTapException("tap0", "open /dev/net/tun", Errno.EACCES);
        assertTrue(e.getMessage().contains("No permission to open /dev/net/tun"), e.getMessage());
    }

    @Test
    void unknownErrnoIsShownByNumber() {
        TunTapException e = new TunTapException("", "TUNSETIFF", 200);
        assertEquals("errno 200", e.errnoName());
        assertTrue(e.getMessage().contains("a new device"), e.getMessage());
    }
}
