package io.netstack.tap.linux;

import io.netstack.wire.LinkLayer;

/** Optional {@code ifr_flags} bits asked for when attaching to {@code /dev/net/tun}. */
public enum TunTapFlag {
    /**
     * {@code IFF_TUN_EXCL}: fail with EBUSY instead of attaching when a device of that name already exists, so a
     * program never hijacks somebody else's device by accident.
     */
    EXCLUSIVE(0x8000),
    /** {@code IFF_MULTI_QUEUE}: the device accepts several fds, one queue each. */
    MULTI_QUEUE(0x0100),
    /** {@code IFF_VNET_HDR}: every frame is preceded by a {@code virtio_net_hdr} (offloads). */
    VNET_HDR(0x4000);

    /** {@code IFF_TUN}: the device carries IP packets. */
    private static final int IFF_TUN = 0x0001;
    /** {@code IFF_TAP}: the device carries Ethernet frames. */
    private static final int IFF_TAP = 0x0002;
    /** {@code IFF_NO_PI}: no 4-byte packet-information prefix; netstack always asks for it. */
    static final int IFF_NO_PI = 0x1000;
    /** {@code IFF_PERSIST}: reported by TUNGETIFF for a device that outlives its fds. */
    static final int IFF_PERSIST = 0x0800;

    private final int iffFlag;

    TunTapFlag(int iffFlag) {
        this.iffFlag = iffFlag;
    }

    int iffFlag() {
        return iffFlag;
    }

    /** The {@code IFF_TAP} or {@code IFF_TUN} bit of {@code ifr_flags} that asks for a device of this link layer. */
    static int modeFlag(LinkLayer linkLayer) {
        return switch (linkLayer) {
            case ETHERNET -> IFF_TAP;
            case IP -> IFF_TUN;
        };
    }

    /** The link layer that {@code ifr_flags} (or {@code IFLA_TUN_TYPE}) reports. */
    static LinkLayer linkLayerOf(int ifrFlags) {
        if ((ifrFlags & IFF_TAP) != 0) {
            return LinkLayer.ETHERNET;
        }
        if ((ifrFlags & IFF_TUN) != 0) {
            return LinkLayer.IP;
        }
        throw new IllegalArgumentException("neither IFF_TUN nor IFF_TAP in flags 0x" + Integer.toHexString(ifrFlags));
    }
}
