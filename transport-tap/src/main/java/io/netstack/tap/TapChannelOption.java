package io.netstack.tap;

import io.netstack.tap.linux.CidrAddress;
import io.netty.channel.ChannelOption;

import java.util.List;

/**
 * {@link ChannelOption}s of a {@link TapChannel}. The device options are applied when the channel binds (a failure
 * fails the bind and removes a device the bind created); set on a bound channel, they apply at once. Unset device
 * options leave the kernel's defaults alone. Reading one from a bound channel asks the kernel.
 */
public final class TapChannelOption<T> extends ChannelOption<T> {
    /**
     * Refuse to attach to a device that already exists ({@code IFF_TUN_EXCL}); {@code true} by default, so a channel
     * never takes over somebody else's device by accident. Set {@code false} to attach to an existing (persistent or
     * multiqueue) device on purpose.
     */
    public static final ChannelOption<Boolean> EXCLUSIVE = valueOf(TapChannelOption.class, "EXCLUSIVE");
    /** Open the device with {@code IFF_MULTI_QUEUE}: several channels, one queue (fd) each, bind to one name. */
    public static final ChannelOption<Boolean> MULTI_QUEUE = valueOf(TapChannelOption.class, "MULTI_QUEUE");
    /** Keep the device after the channel closes ({@code TUNSETPERSIST}). */
    public static final ChannelOption<Boolean> PERSISTENT = valueOf(TapChannelOption.class, "PERSISTENT");
    /** The uid that may attach to the (persistent) device without CAP_NET_ADMIN ({@code TUNSETOWNER}). */
    public static final ChannelOption<Integer> OWNER = valueOf(TapChannelOption.class, "OWNER");
    /** The gid whose members may attach to the (persistent) device without CAP_NET_ADMIN ({@code TUNSETGROUP}). */
    public static final ChannelOption<Integer> GROUP = valueOf(TapChannelOption.class, "GROUP");
    /** The MTU; the read buffers follow it. */
    public static final ChannelOption<Integer> MTU = valueOf(TapChannelOption.class, "MTU");
    /** The kernel side's MAC address of a TAP device, e.g. {@code "02:00:5e:10:00:01"} (unicast only). */
    public static final ChannelOption<String> MAC_ADDRESS = valueOf(TapChannelOption.class, "MAC_ADDRESS");
    /** The transmit queue length in packets ({@code txqueuelen}). */
    public static final ChannelOption<Integer> TX_QUEUE_LENGTH = valueOf(TapChannelOption.class, "TX_QUEUE_LENGTH");
    /** Carrier on or off ({@code TUNSETCARRIER}). */
    public static final ChannelOption<Boolean> CARRIER = valueOf(TapChannelOption.class, "CARRIER");
    /** Addresses of the kernel's side of the device, e.g. {@code CidrAddress.parse("192.0.2.1/24")}. */
    public static final ChannelOption<List<CidrAddress>> ADDRESSES = valueOf(TapChannelOption.class, "ADDRESSES");
    /**
     * On an io_uring loop, how many reads the channel keeps in flight, each into a buffer of its own (default 32):
     * more absorbs bursts without a syscall, at the cost of that many idle buffers.
     */
    public static final ChannelOption<Integer> IO_URING_READ_DEPTH =
            valueOf(TapChannelOption.class, "IO_URING_READ_DEPTH");
    /** Bring the link administratively up ({@code IFF_UP}) once configured. */
    public static final ChannelOption<Boolean> LINK_UP = valueOf(TapChannelOption.class, "LINK_UP");

    @SuppressWarnings("deprecation")
    private TapChannelOption() {
        super(null);
    }
}
