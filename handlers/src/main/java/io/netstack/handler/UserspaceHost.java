package io.netstack.handler;

import io.netstack.handler.fault.FaultInjector;
import io.netstack.wire.LinkLayer;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Makes a channel of Ethernet frames, such as a TAP device's, into a minimal IPv4 host that the Linux kernel on the
 * other side can ARP, ping and exchange UDP with. Installs, from the device inwards:
 * <ol>
 * <li>an optional {@link PcapWriter} and a {@link TrafficCounter}, which see the frames as they are on the link;</li>
 * <li>an optional {@link FaultInjector}, which makes the link between them and the host a lossy one;</li>
 * <li>an optional {@link FrameLogger};</li>
 * <li>an {@link EthernetDemultiplexer}, which decodes each frame once, verifies its checksums unless the kernel
 * did ({@code DATA_VALID} on a channel with offloads), and drops malformed ones;</li>
 * <li>an {@link ArpResponder}, an {@link IcmpEchoResponder} and the host's {@link UdpServices}, which read each
 * datagram to a bound port on that port's {@link UdpServiceChannel}, an {@link UdpEchoHandler} serving the echo
 * port;</li>
 * <li>an {@link UnhandledFrameCounter}, which drops and counts whatever is left.</li>
 * </ol>
 *
 * <p>The counters survive the channel and are summed up by {@link #summary()}. A host serves one channel: its
 * handlers keep per-channel state, and Netty refuses to add them to a second pipeline.
 */
public final class UserspaceHost extends ChannelInitializer<Channel> {
    private final HostAddresses addresses;
    private final Consumer<String> frameLog;
    private final Path pcapFile;
    private final FaultInjector faults;
    private final TrafficCounter traffic = new TrafficCounter();
    private final DropCounters drops = new DropCounters();
    private final ArpResponder arp;
    private final IcmpEchoResponder icmpEcho;
    private final int udpEchoPort;
    private final UdpEchoHandler udpEcho = new UdpEchoHandler();
    private final UdpServices udpServices;

    private UserspaceHost(Builder builder) {
        addresses = new HostAddresses(builder.mac, builder.ipv4Addresses);
        frameLog = builder.frameLog;
        pcapFile = builder.pcapFile;
        faults = builder.faults;
        NeighbourCache neighbours = new NeighbourCache(ArpResponder.DEFAULT_CACHE_CAPACITY);
        arp = new ArpResponder(addresses, neighbours);
        icmpEcho = new IcmpEchoResponder(addresses);
        udpEchoPort = builder.udpEchoPort;
        Map<Integer, ChannelHandler> services = new LinkedHashMap<>(builder.udpServices);
        if (services.putIfAbsent(udpEchoPort, udpEcho) != null) {
            throw new IllegalArgumentException("UDP port " + udpEchoPort + " is the echo port");
        }
        udpServices = new UdpServices(addresses, new Ipv4EthernetFraming(addresses.mac(), neighbours), drops,
                services);
    }

    /**
     * Starts the configuration of a host.
     *
     * @param mac the host's unicast MAC address, best a locally administered one such as
     *            {@code 02:00:5e:10:00:02}, distinct from the device's own
     * @return a builder, which needs at least one {@link Builder#address} before {@link Builder#build}
     */
    public static Builder builder(MacAddress mac) {
        return new Builder(mac);
    }

    @Override
    protected void initChannel(Channel channel) throws Exception {
        ChannelPipeline pipeline = channel.pipeline();
        if (pcapFile != null) {
            pipeline.addLast("pcap", new PcapWriter(pcapFile, LinkLayer.ETHERNET));
        }
        pipeline.addLast("traffic", traffic);
        if (faults != null) {
            pipeline.addLast("faults", faults);
        }
        if (frameLog != null) {
            pipeline.addLast("log", new FrameLogger(frameLog));
        }
        pipeline.addLast("demultiplexer", new EthernetDemultiplexer(drops));
        pipeline.addLast("arp", arp);
        pipeline.addLast("icmpEcho", icmpEcho);
        pipeline.addLast("udp", udpServices);
        pipeline.addLast("unhandled", new UnhandledFrameCounter(drops));
    }

    /** {@return the host's MAC and IPv4 addresses} */
    public HostAddresses addresses() {
        return addresses;
    }

    /** {@return the counter of the frames on the link, in and out, whether the host handled them or not} */
    public TrafficCounter traffic() {
        return traffic;
    }

    /** {@return the counters of the inbound frames the host dropped: malformed, or taken by no handler} */
    public DropCounters drops() {
        return drops;
    }

    /** {@return the ARP handler, with the neighbours it learnt and its counters} */
    public ArpResponder arp() {
        return arp;
    }

    /** {@return the handler that answers pings} */
    public IcmpEchoResponder icmpEcho() {
        return icmpEcho;
    }

    /** {@return the UDP echo service} */
    public UdpEchoHandler udpEcho() {
        return udpEcho;
    }

    /** {@return the UDP services, with their channels once the host's channel is registered} */
    public UdpServices udpServices() {
        return udpServices;
    }

    /** {@return one line with every counter of the host, e.g. for a demo's exit or a test failure message} */
    public String summary() {
        return traffic
                + "; ARP requests answered " + arp.requestsAnswered()
                + ", ICMP echo replies " + icmpEcho.repliesSent()
                + ", UDP echoes " + udpEcho.datagramsEchoed()
                + "; drops " + drops.total() + ": " + drops
                + (faults != null ? "; " + faults : "");
    }

    @Override
    public String toString() {
        return "UserspaceHost(" + addresses + ", UDP echo port " + udpEchoPort + ')';
    }

    /** The configuration of a {@link UserspaceHost}. */
    public static final class Builder {
        private final MacAddress mac;
        private final List<Ipv4Address> ipv4Addresses = new ArrayList<>();
        private int udpEchoPort = UdpEchoHandler.ECHO_PORT;
        private final Map<Integer, ChannelHandler> udpServices = new LinkedHashMap<>();
        private Consumer<String> frameLog;
        private Path pcapFile;
        private FaultInjector faults;

        private Builder(MacAddress mac) {
            this.mac = requireNonNull(mac, "mac");
        }

        /**
         * Adds an IPv4 address the host answers on; at least one is required. The kernel's side of the link needs
         * an address on the same network (the device's {@code ADDRESSES} option) to reach it.
         *
         * @param address a unicast address, e.g. 192.0.2.2
         * @return this builder
         */
        public Builder address(Ipv4Address address) {
            ipv4Addresses.add(requireNonNull(address, "address"));
            return this;
        }

        /**
         * Sets the port of the UDP echo service; {@link UdpEchoHandler#ECHO_PORT} unless set.
         *
         * @param port 1 to 65535, checked by {@link #build()}
         * @return this builder
         */
        public Builder udpEchoPort(int port) {
            udpEchoPort = port;
            return this;
        }

        /**
         * Binds a UDP service to {@code port} on all the host's addresses: a {@link UdpServiceChannel} whose
         * pipeline {@code handler} initializes, typically a {@link ChannelInitializer} adding Netty's datagram codecs
         * and the service's own handler. The channel reads {@code DatagramPacket}s and sends those written to it.
         *
         * @param port    the port, 1 to 65535, other than the echo port
         * @param handler the handler the port's channel is initialized with; like the host, it serves one channel
         * @return this builder
         * @throws IllegalArgumentException if the port has a service already
         */
        public Builder udpService(int port, ChannelHandler handler) {
            requireNonNull(handler, "handler");
            if (udpServices.putIfAbsent(port, handler) != null) {
                throw new IllegalArgumentException("UDP port " + port + " has a service already");
            }
            return this;
        }

        /**
         * Logs every frame in and out, one line each; see {@link FrameLogger}. Off unless set.
         *
         * @param sink where the lines go, on the event loop's thread, e.g. {@code System.out::println}
         * @return this builder
         */
        public Builder frameLog(Consumer<String> sink) {
            frameLog = requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Records every frame in and out to a pcap file; see {@link PcapWriter}. Off unless set.
         *
         * @param file the file, created or truncated when the channel is initialized
         * @return this builder
         */
        public Builder pcap(Path file) {
            pcapFile = requireNonNull(file, "file");
            return this;
        }

        /**
         * Puts {@code injector} between the link, as the pcap file and the traffic counters see it, and the host.
         *
         * @param injector the faults of the link, for this host's channel only
         * @return this builder
         */
        public Builder faults(FaultInjector injector) {
            faults = requireNonNull(injector, "injector");
            return this;
        }

        /**
         * Builds the host, whose counters are then ready to read; it starts when a channel is initialized with it.
         *
         * @return the host, an initializer for one channel
         * @throws IllegalArgumentException if no address was given, the MAC address is not unicast, a port is
         *                                  out of range or a service is bound to the echo port
         */
        public UserspaceHost build() {
            return new UserspaceHost(this);
        }
    }
}
