package io.netstack.tap.linux;

import io.netstack.tap.TunTapException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        TunTapException e = new TunTapException("tap0", "TUNSETIFF (IFF_TUN_EXCL)", Errno.EBUSY);
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertTrue(e.getMessage().contains("ip link del tap0"), e.getMessage());
    }

    @Test
    void ebusyWithoutExclusiveCreationSaysTheQueueIsTaken() {
        TunTapException e = new TunTapException("tap0", "TUNSETIFF", Errno.EBUSY);
        assertTrue(e.getMessage().contains("in use") && e.getMessage().contains("multi-queue"), e.getMessage());
        assertTrue(e.getMessage().contains("MULTI_QUEUE"), e.getMessage());
        assertFalse(e.getMessage().contains("exclusive creation"), e.getMessage());
    }

    @Test
    void epermRecommendsACopiedJdkWithPatchelfBeforeSetcap() {
        String message = new TunTapException("tap0", "TUNSETIFF", Errno.EPERM).getMessage();
        assertTrue(message.contains("patchelf --set-rpath"), message);
        assertTrue(message.indexOf("patchelf") < message.indexOf("setcap"), message);
        assertTrue(message.contains("unshare --user --map-root-user --net"), message);
    }

    @Test
    void eioOnAWriteSaysTheLinkIsDown() {
        String message = new TunTapException("tap0", "write of a 60-byte frame", Errno.EIO).getMessage();
        assertTrue(message.contains("link of tap0 is down") && message.contains("LINK_UP"), message);
        assertFalse(message.contains("man 2 ioctl"), message);
    }

    @Test
    void einvalOnAWriteSaysTheFrameIsShorterThanALinkHeader() {
        String message = new TunTapException("tap0", "write of a 5-byte frame", Errno.EINVAL).getMessage();
        assertTrue(message.contains("shorter than the device's link header"), message);
        assertFalse(message.contains("other flags"), message);
    }

    @Test
    void einvalOnAnMtuSaysItIsOutOfRange() {
        String message = new TunTapException("tap0", "set MTU 70000", Errno.EINVAL).getMessage();
        assertTrue(message.contains("MTU is outside the range"), message);
        assertFalse(message.contains("other flags"), message);
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
