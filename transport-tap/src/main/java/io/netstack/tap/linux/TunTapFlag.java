package io.netstack.tap.linux;

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
}
