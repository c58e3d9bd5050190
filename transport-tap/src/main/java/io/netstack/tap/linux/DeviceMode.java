package io.netstack.tap.linux;

/** What the device carries: Ethernet frames (TAP) or bare IP packets (TUN). */
public enum DeviceMode {
    /** Layer 2: every read and write is one Ethernet frame ({@code IFF_TAP}). */
    TAP(0x0002, "tap%d"),
    /** Layer 3: every read and write is one IPv4 or IPv6 packet, no link header ({@code IFF_TUN}). */
    TUN(0x0001, "tun%d");

    private final int iffFlag;
    private final String kernelNameTemplate;

    DeviceMode(int iffFlag, String kernelNameTemplate) {
        this.iffFlag = iffFlag;
        this.kernelNameTemplate = kernelNameTemplate;
    }

    /** The {@code IFF_TAP}/{@code IFF_TUN} bit of {@code ifr_flags}. */
    int iffFlag() {
        return iffFlag;
    }

    /** The name template the kernel uses when no name is asked for. */
    public String kernelNameTemplate() {
        return kernelNameTemplate;
    }

    static DeviceMode fromFlags(int ifrFlags) {
        for (DeviceMode mode : values()) {
            if ((ifrFlags & mode.iffFlag) != 0) {
                return mode;
            }
        }
        throw new IllegalArgumentException("neither IFF_TUN nor IFF_TAP in flags 0x" + Integer.toHexString(ifrFlags));
    }
}
