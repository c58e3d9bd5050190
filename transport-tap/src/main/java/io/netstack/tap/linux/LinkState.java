package io.netstack.tap.linux;

/**
 * A network device as the kernel reports it ({@code RTM_GETLINK}), read fresh on each call of
 * {@link NetDeviceControl#link(String)}.
 *
 * @param name              the interface name
 * @param index             the interface index
 * @param up                administratively up ({@code IFF_UP})
 * @param mtu               the MTU in bytes
 * @param macAddress        the hardware address, e.g. {@code "02:00:5e:10:00:01"}; "" for a TUN device
 * @param txQueueLength     the transmit queue length in packets
 * @param carrier           whether the link has carrier
 * @param operState         RFC 2863 operational state: UNKNOWN, DOWN, LOWERLAYERDOWN, DORMANT, UP, ...
 * @param tun               TUN/TAP details, or {@code null} for other kinds of device
 */
public record LinkState(String name, int index, boolean up, int mtu, String macAddress, int txQueueLength,
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
    public record TunInfo(DeviceMode mode, long owner, long group, boolean persistent, boolean multiQueue,
                          boolean vnetHeader, int queues, int disabledQueues) {
    }
}
