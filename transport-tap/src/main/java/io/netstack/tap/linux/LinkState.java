package io.netstack.tap.linux;

import io.netstack.wire.LinkLayer;

import io.netstack.wire.MacAddress;

/**
 * A network device as the kernel reports it ({@code RTM_GETLINK}), read fresh on each call of
 * {@link NetDeviceControl#link(String)}.
 *
 * @param name              the interface name
 * @param index             the interface index
 * @param up                administratively up ({@code IFF_UP})
 * @param mtu               the MTU in bytes
 * @param macAddress        the hardware address; null for a TUN device, which has none
 * @param txQueueLength     the transmit queue length in packets
 * @param carrier           whether the link has carrier
 * @param operState         RFC 2863 operational state: UNKNOWN, DOWN, LOWERLAYERDOWN, DORMANT, UP, ...
 * @param tun               TUN/TAP details, or {@code null} for other kinds of device
 */
public record LinkState(String name, int index, boolean up, int mtu, MacAddress macAddress, int txQueueLength,
                        boolean carrier, String operState, TunInfo tun) {

    /**
     * What the tun driver reports of its device ({@code IFLA_INFO_DATA}).
     *
     * @param mode            TAP or TUN
     * @param owner           the uid allowed to attach without CAP_NET_ADMIN, or -1 for none
     * @param group           the gid allowed to attach without CAP_NET_ADMIN, or -1 for none
     * @param persistent      whether the device outlives its fds
     * @param multiQueue      whether it was created with IFF_MULTI_QUEUE
     * @param vnetHeader      whether frames carry a virtio_net_hdr
     * @param queues          the number of attached queues (fds)
     * @param disabledQueues  the number of queues detached with TUNSETQUEUE
     */
    public record TunInfo(LinkLayer mode, long owner, long group, boolean persistent, boolean multiQueue,
                          boolean vnetHeader, int queues, int disabledQueues) {
    }
}
