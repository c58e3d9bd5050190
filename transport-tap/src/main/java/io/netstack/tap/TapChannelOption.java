package io.netstack.tap;

import io.netstack.wire.CidrAddress;
import io.netstack.wire.MacAddress;
import io.netty.channel.ChannelOption;

import java.util.List;
import java.util.Set;

/**
 * {@link ChannelOption}s of a {@link TapChannel}. The device options are applied when the channel binds (a failure
 * fails the bind and removes a device the bind created); set on a bound channel, they apply at once. Unset device
 * options leave the kernel's defaults alone. Reading one from a bound channel asks the kernel.
 *
 * @param <T> the type of the option's value
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
    /**
     * The MTU in bytes: the largest IP packet the device carries, link header excluded (68 to 65521 on a TAP device,
     * to 65535 on a TUN device; 1500 unless set). The read buffers follow it.
     */
    public static final ChannelOption<Integer> MTU = valueOf(TapChannelOption.class, "MTU");
    /**
     * The kernel side's MAC address of a TAP device, e.g. {@code MacAddress.parse("02:00:5e:10:00:01")} (unicast
     * only; random unless set). A TUN device has none.
     */
    public static final ChannelOption<MacAddress> MAC_ADDRESS = valueOf(TapChannelOption.class, "MAC_ADDRESS");
    /**
     * The transmit queue length in frames ({@code txqueuelen}, 500 unless set): how many frames the kernel queues
     * for the channel to read before it drops them.
     */
    public static final ChannelOption<Integer> TX_QUEUE_LENGTH = valueOf(TapChannelOption.class, "TX_QUEUE_LENGTH");
    /** Carrier on or off ({@code TUNSETCARRIER}). */
    public static final ChannelOption<Boolean> CARRIER = valueOf(TapChannelOption.class, "CARRIER");
    /** Addresses of the kernel's side of the device, e.g. {@code CidrAddress.parse("192.0.2.1/24")}. */
    public static final ChannelOption<List<CidrAddress>> ADDRESSES = valueOf(TapChannelOption.class, "ADDRESSES");
    /**
     * On an io_uring loop, where single reads are used (frames over 4 KiB, {@code read()} on demand, kernels without
     * multishot reads), the most the channel keeps in flight, each into a buffer of its own (default
     * {@value TapChannelConfig#DEFAULT_IO_URING_READ_DEPTH}): while the device has a backlog, more take more frames
     * per loop turn; without one, the channel keeps fewer, since every read waiting on an idle device is woken by
     * each frame.
     */
    public static final ChannelOption<Integer> IO_URING_READ_DEPTH =
            valueOf(TapChannelOption.class, "IO_URING_READ_DEPTH");
    /**
     * Open the device with {@code IFF_VNET_HDR} and take over these offloads from the kernel ({@code TUNSETOFFLOAD}),
     * e.g. {@link TunOffload#all()}; an empty set gives the header without offloads. Unset (the default), frames
     * carry no header. Chosen at bind; afterwards the option reads as the offloads this kernel accepted, which may
     * be fewer than asked for: a kernel refuses the offloads it does not know, and the bind keeps the rest.
     *
     * <p>The channel then reads and writes {@link io.netstack.wire.VirtioNetFrame}s: each frame (an Ethernet
     * frame on a TAP device, an IP packet on a TUN device) comes with the decoded {@code virtio_net_hdr} the kernel
     * put before it (set little-endian, {@code TUNSETVNETLE}, 10 bytes, {@code TUNSETVNETHDRSZ}). With
     * {@link TunOffload#CSUM} the kernel may hand over TCP/UDP frames whose checksum is only the pseudo-header sum
     * ({@code NEEDS_CSUM}); with {@link TunOffload#TSO4}/{@link TunOffload#TSO6} (and USO), super-frames of up to
     * 64 KiB of TCP (UDP) payload with {@code gso_type} and {@code gso_size} set, once per write of the sending
     * socket rather than once per MTU; read buffers grow to hold one. Without those offloads the kernel finishes the
     * work itself: {@code gso_type} is NONE, and {@code flags} 0, or {@code DATA_VALID} for a frame whose checksum
     * it has verified. Offsets ({@code csum_start}, {@code hdr_len}) count from the frame's first byte: the Ethernet
     * header on a TAP device, the IP header on a TUN device. Add the handlers module's {@code GsoSplitter} for plain
     * MTU-sized frames instead.
     *
     * <p>Written {@code VirtioNetFrame}s ask the kernel to complete the checksum and to segment (whatever offloads
     * were asked for here); a plain {@code ByteBuf} written goes out with a zero header, prepended in place when
     * the buffer has {@value io.netstack.wire.VirtioNetFrame#HEADER_LENGTH} bytes before its reader index and
     * no other reference, else copied once. The handlers module's {@code GroCoalescer} makes super-frames out of
     * plain TCP segments.
     */
    public static final ChannelOption<Set<TunOffload>> OFFLOADS = valueOf(TapChannelOption.class, "OFFLOADS");
    /** Bring the link administratively up ({@code IFF_UP}) once configured. */
    public static final ChannelOption<Boolean> LINK_UP = valueOf(TapChannelOption.class, "LINK_UP");

    @SuppressWarnings("deprecation")
    private TapChannelOption() {
        super(null);
    }
}
