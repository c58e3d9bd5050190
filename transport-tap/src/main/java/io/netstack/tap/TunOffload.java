package io.netstack.tap;

import java.util.EnumSet;
import java.util.Set;

/**
 * The offloads a program reading a TUN/TAP device with {@code IFF_VNET_HDR} can take over from the kernel
 * ({@code TUNSETOFFLOAD}, the {@code TUN_F_*} flags of {@code <linux/if_tun.h>}).
 *
 * <p>Each one tells the kernel that the reader copes with a kind of frame it would otherwise finish itself before
 * handing it over: with {@link #CSUM} a frame may leave its TCP/UDP checksum to be completed (virtio's
 * {@code NEEDS_CSUM}); with {@link #TSO4}, {@link #TSO6} and {@link #USO4}/{@link #USO6} a frame may be a
 * "super-frame" of up to 64 KiB that the reader must cut into MTU-sized segments (or forward as it is to a device
 * that segments). Frames written <em>to</em> the device may use every offload whatever this says: the kernel
 * finishes what the {@code virtio_net_hdr} asks for.
 *
 * <p>The kernel ties them together: the segmentation offloads need {@link #CSUM}, {@link #TSO_ECN} needs
 * {@link #TSO4} or {@link #TSO6}, and (up to at least 6.18) {@link #USO4} is only accepted together with
 * {@link #USO6}. An older kernel refuses the flags it does not know with EINVAL.
 */
public enum TunOffload {
    /** {@code TUN_F_CSUM}: frames may carry a partial TCP/UDP checksum ({@code VIRTIO_NET_HDR_F_NEEDS_CSUM}). */
    CSUM(0x01),
    /** {@code TUN_F_TSO4}: TCP over IPv4 super-frames ({@code VIRTIO_NET_HDR_GSO_TCPV4}). */
    TSO4(0x02),
    /** {@code TUN_F_TSO6}: TCP over IPv6 super-frames ({@code VIRTIO_NET_HDR_GSO_TCPV6}). */
    TSO6(0x04),
    /** {@code TUN_F_TSO_ECN}: TCP super-frames with the CWR flag set ({@code VIRTIO_NET_HDR_GSO_ECN}). */
    TSO_ECN(0x08),
    /** {@code TUN_F_USO4}: UDP over IPv4 super-frames segmented per datagram ({@code VIRTIO_NET_HDR_GSO_UDP_L4}). */
    USO4(0x20),
    /** {@code TUN_F_USO6}: UDP over IPv6 super-frames segmented per datagram ({@code VIRTIO_NET_HDR_GSO_UDP_L4}). */
    USO6(0x40);

    private final int flag;

    TunOffload(int flag) {
        this.flag = flag;
    }

    /** {@return the {@code TUN_F_*} bit, as {@code TUNSETOFFLOAD} takes it} */
    public int flag() {
        return flag;
    }

    /**
     * Every offload: what a reader that splits super-frames itself (or forwards them) can ask for. A kernel that
     * knows only some of them takes those; the channel's {@link TapChannelConfig#getOffloads()} tells which.
     *
     * @return a new, modifiable set of every constant
     */
    public static Set<TunOffload> all() {
        return EnumSet.allOf(TunOffload.class);
    }

}
