package io.netstack.tap.linux;

import io.netstack.wire.CidrAddress;

import io.netstack.tap.LinkStatistics;

import io.netstack.tap.TunTapException;

import io.netstack.wire.MacAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Link settings and addresses of a network device, by name, over rtnetlink: what {@code ip link} and {@code ip addr}
 * do, without running them. Everything happens in the calling thread's network namespace.
 */
public final class NetDeviceControl {
    private static final int AF_UNSPEC = 0;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int IFF_UP = 0x1;

    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_MTU = 4;
    private static final int IFLA_TXQLEN = 13;
    private static final int IFLA_OPERSTATE = 16;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_STATS64 = 23;
    private static final int IFLA_CARRIER = 33;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int IFLA_TUN_OWNER = 1;
    private static final int IFLA_TUN_GROUP = 2;
    private static final int IFLA_TUN_TYPE = 3;
    private static final int IFLA_TUN_VNET_HDR = 5;
    private static final int IFLA_TUN_PERSIST = 6;
    private static final int IFLA_TUN_MULTI_QUEUE = 7;
    private static final int IFLA_TUN_NUM_QUEUES = 8;
    private static final int IFLA_TUN_NUM_DISABLED_QUEUES = 9;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    /** Skip duplicate address detection, so an IPv6 address is usable as soon as it is added. */
    private static final int IFA_F_NODAD = 0x02;

    private static final int IFINFOMSG_LENGTH = 16;
    private static final int IFADDRMSG_LENGTH = 8;
    private static final String[] OPER_STATES =
            {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};

    private NetDeviceControl() {
    }

    /** The index of {@code name}; fails with ENODEV if there is no such device. */
    public static int index(String name) throws TunTapException {
        int index = Libc.ifNameToIndex(name);
        if (index < 0) {
            throw new TunTapException(name, "if_nametoindex", -index);
        }
        return index;
    }

    /** The device as the kernel sees it now. */
    public static LinkState link(String name) throws TunTapException {
        return parseLink(getLink(name));
    }

    /** The device's counters now: frames and bytes in and out, errors and drops. */
    public static LinkStatistics statistics(String name) throws TunTapException {
        ByteBuffer reply = getLink(name);
        ByteBuffer stats = NetlinkMessage.attributes(reply, NetlinkMessage.HEADER_LENGTH + IFINFOMSG_LENGTH,
                reply.limit()).get(IFLA_STATS64);
        if (stats == null || stats.remaining() < 8 * Long.BYTES) {
            throw new TunTapException(name, "RTM_GETLINK (no IFLA_STATS64 in the reply)", Errno.EOPNOTSUPP);
        }
        // struct rtnl_link_stats64 begins rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors,
        // rx_dropped, tx_dropped: u64 each.
        return new LinkStatistics(stats.getLong(0), stats.getLong(8), stats.getLong(16), stats.getLong(24),
                stats.getLong(32), stats.getLong(40), stats.getLong(48), stats.getLong(56));
    }

    /** The kernel's RTM_NEWLINK message describing {@code name}. */
    private static ByteBuffer getLink(String name) throws TunTapException {
        int index = index(name);
        try (RtNetlink netlink = RtNetlink.open(name)) {
            NetlinkMessage request = new NetlinkMessage(NetlinkMessage.RTM_GETLINK, 0).ifinfomsg(index, 0, 0);
            for (ByteBuffer reply : netlink.dump(request, name, "RTM_GETLINK")) {
                if (reply.getShort(4) == NetlinkMessage.RTM_NEWLINK && reply.getInt(20) == index) {
                    return reply;
                }
            }
        }
        throw new TunTapException(name, "RTM_GETLINK", Errno.ENODEV);
    }

    /** The MTU of {@code name}. */
    public static int mtu(String name) throws TunTapException {
        return link(name).mtu();
    }

    /** Whether {@code name} is administratively up. */
    public static boolean isUp(String name) throws TunTapException {
        return link(name).up();
    }

    /** Sets {@code name} administratively up or down, like {@code ip link set NAME up}. */
    public static void setUp(String name, boolean up) throws TunTapException {
        setLink(name, "set link " + (up ? "up" : "down"), new NetlinkMessage(NetlinkMessage.RTM_NEWLINK, 0)
                .ifinfomsg(index(name), up ? IFF_UP : 0, IFF_UP));
    }

    /** Sets the MTU, like {@code ip link set NAME mtu N}; the kernel checks the device's range. */
    public static void setMtu(String name, int mtu) throws TunTapException {
        setLink(name, "set MTU " + mtu, new NetlinkMessage(NetlinkMessage.RTM_NEWLINK, 0)
                .ifinfomsg(index(name), 0, 0).attribute(IFLA_MTU, mtu));
    }

    /** Sets the transmit queue length in packets, like {@code ip link set NAME txqueuelen N}. */
    public static void setTxQueueLength(String name, int length) throws TunTapException {
        if (length < 0) {
            throw new IllegalArgumentException("txqueuelen " + length + " of " + name + " is negative");
        }
        setLink(name, "set txqueuelen " + length, new NetlinkMessage(NetlinkMessage.RTM_NEWLINK, 0)
                .ifinfomsg(index(name), 0, 0).attribute(IFLA_TXQLEN, length));
    }

    /**
     * Sets the hardware address of the kernel's side of a TAP device, like {@code ip link set NAME address MAC}.
     *
     * @throws IllegalArgumentException if {@code mac} is a multicast address
     */
    public static void setMacAddress(String name, MacAddress mac) throws TunTapException {
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("MAC address " + mac + " of " + name
                    + " is a multicast address (lowest bit of the first octet set); a device needs a unicast one");
        }
        setLink(name, "set MAC address " + mac, new NetlinkMessage(NetlinkMessage.RTM_NEWLINK, 0)
                .ifinfomsg(index(name), 0, 0).attribute(IFLA_ADDRESS, mac.octets()));
    }

    private static void setLink(String name, String operation, NetlinkMessage message) throws TunTapException {
        try (RtNetlink netlink = RtNetlink.open(name)) {
            netlink.request(message, name, operation);
        }
    }

    /**
     * Adds an address to the device, like {@code ip addr add 192.0.2.1/24 dev NAME}. IPv6 addresses skip duplicate
     * address detection so that sockets can bind to them at once.
     */
    public static void addAddress(String name, CidrAddress address) throws TunTapException {
        byte[] bytes = address.address().getAddress();
        // NLM_F_REPLACE: adding an address the device already has (an attached persistent one) is not an error.
        NetlinkMessage message = new NetlinkMessage(NetlinkMessage.RTM_NEWADDR,
                NetlinkMessage.NLM_F_CREATE | NetlinkMessage.NLM_F_REPLACE)
                .ifaddrmsg(address.isIpv4() ? AF_INET : AF_INET6, address.prefixLength(),
                        address.isIpv4() ? 0 : IFA_F_NODAD, index(name))
                .attribute(IFA_LOCAL, bytes)
                .attribute(IFA_ADDRESS, bytes);
        try (RtNetlink netlink = RtNetlink.open(name)) {
            netlink.request(message, name, "add address " + address);
        }
    }

    /** Every address on the device, IPv4 and IPv6 (including the kernel's own link-local ones). */
    public static List<CidrAddress> addresses(String name) throws TunTapException {
        int index = index(name);
        List<CidrAddress> addresses = new ArrayList<>();
        try (RtNetlink netlink = RtNetlink.open(name)) {
            NetlinkMessage request = new NetlinkMessage(NetlinkMessage.RTM_GETADDR, 0)
                    .ifaddrmsg(AF_UNSPEC, 0, 0, 0);
            for (ByteBuffer reply : netlink.dump(request, name, "RTM_GETADDR")) {
                int body = NetlinkMessage.HEADER_LENGTH;
                if (reply.getInt(body + 4) != index) {
                    continue;
                }
                Map<Integer, ByteBuffer> attributes =
                        NetlinkMessage.attributes(reply, body + IFADDRMSG_LENGTH, reply.limit());
                ByteBuffer local = attributes.getOrDefault(IFA_LOCAL, attributes.get(IFA_ADDRESS));
                if (local != null) {
                    addresses.add(CidrAddress.of(toInetAddress(local), Byte.toUnsignedInt(reply.get(body + 1))));
                }
            }
        }
        return addresses;
    }

    private static LinkState parseLink(ByteBuffer reply) {
        int body = NetlinkMessage.HEADER_LENGTH;
        int index = reply.getInt(body + 4);
        int flags = reply.getInt(body + 8);
        Map<Integer, ByteBuffer> attributes =
                NetlinkMessage.attributes(reply, body + IFINFOMSG_LENGTH, reply.limit());
        ByteBuffer mac = attributes.get(IFLA_ADDRESS);
        int operState = u8(attributes.get(IFLA_OPERSTATE), 0);
        return new LinkState(
                string(attributes.get(IFLA_IFNAME)),
                index,
                (flags & IFF_UP) != 0,
                u32(attributes.get(IFLA_MTU), 0),
                mac == null || mac.remaining() != MacAddress.LENGTH ? null : MacAddress.of(bytes(mac)),
                u32(attributes.get(IFLA_TXQLEN), 0),
                u8(attributes.get(IFLA_CARRIER), 0) != 0,
                operState < OPER_STATES.length ? OPER_STATES[operState] : "state " + operState,
                parseTunInfo(attributes.get(IFLA_LINKINFO)));
    }

    private static LinkState.TunInfo parseTunInfo(ByteBuffer linkInfo) {
        if (linkInfo == null) {
            return null;
        }
        Map<Integer, ByteBuffer> info = NetlinkMessage.attributes(linkInfo, 0, linkInfo.limit());
        ByteBuffer data = info.get(IFLA_INFO_DATA);
        if (!"tun".equals(string(info.get(IFLA_INFO_KIND))) || data == null) {
            return null;
        }
        Map<Integer, ByteBuffer> tun = NetlinkMessage.attributes(data, 0, data.limit());
        ByteBuffer owner = tun.get(IFLA_TUN_OWNER);
        ByteBuffer group = tun.get(IFLA_TUN_GROUP);
        return new LinkState.TunInfo(
                TunTapFlag.linkLayerOf(u8(tun.get(IFLA_TUN_TYPE), 0)),
                owner == null ? -1 : Integer.toUnsignedLong(owner.getInt(0)),
                group == null ? -1 : Integer.toUnsignedLong(group.getInt(0)),
                u8(tun.get(IFLA_TUN_PERSIST), 0) != 0,
                u8(tun.get(IFLA_TUN_MULTI_QUEUE), 0) != 0,
                u8(tun.get(IFLA_TUN_VNET_HDR), 0) != 0,
                u32(tun.get(IFLA_TUN_NUM_QUEUES), 0),
                u32(tun.get(IFLA_TUN_NUM_DISABLED_QUEUES), 0));
    }

    private static int u8(ByteBuffer value, int absent) {
        return value == null ? absent : Byte.toUnsignedInt(value.get(0));
    }

    private static int u32(ByteBuffer value, int absent) {
        return value == null ? absent : value.getInt(0);
    }

    private static byte[] bytes(ByteBuffer value) {
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        return bytes;
    }

    private static String string(ByteBuffer value) {
        return value == null ? "" : new String(bytes(value), StandardCharsets.UTF_8).replace("\0", "");
    }

    private static InetAddress toInetAddress(ByteBuffer value) {
        try {
            return InetAddress.getByAddress(bytes(value));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("the kernel reported an address of " + value.remaining() + " bytes", e);
        }
    }
}
