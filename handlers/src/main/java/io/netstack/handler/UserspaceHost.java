package io.netstack.handler;

import io.netstack.handler.fault.FaultInjector;
import io.netstack.handler.tcp.CongestionControl;
import io.netstack.handler.tcp.Cubic;
import io.netstack.handler.tcp.NewReno;
import io.netstack.handler.tcp.TcpSettings;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.LinkLayerAddress;
import io.netstack.wire.MacAddress;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Makes a channel into a minimal IPv4 and IPv6 host that the Linux kernel on the other side can ping and exchange
 * UDP with: a TAP device's channel of Ethernet frames, where the host also speaks ARP and Neighbor Discovery, or a
 * TUN device's channel of bare IP packets. The link layer comes from the channel: a {@link LinkLayerAddress} as its
 * local address (a TAP channel's {@code TapAddress}) says which, and {@link Builder#linkLayer} stands in for
 * channels whose address does not.
 *
 * <p>A TAP channel learns its address at bind, after {@link #initChannel} ran at registration, so the host installs
 * its handlers when the channel becomes active. From the device inwards:
 * <ol>
 * <li>an optional {@link PcapWriter} (its link type the channel's) and a {@link TrafficCounter}, which see the frames
 * as they are on the link;</li>
 * <li>an optional {@link FaultInjector}, which makes the link between them and the host a lossy one;</li>
 * <li>an optional {@link FrameLogger};</li>
 * <li>the link layer: a {@link PacketDemultiplexer}, which decodes each frame once, verifies its checksums unless the
 * kernel did ({@code DATA_VALID} on a channel with offloads), and drops malformed ones; on Ethernet then an
 * {@link ArpResponder}, an {@link NdpResponder} and the {@link EthernetFramer}, which frames what the IP layer
 * writes;</li>
 * <li>the IP layer, which writes IP packets: an {@link IcmpEchoResponder} and the host's {@link UdpServices},
 * which read each datagram to a bound port on that port's {@link UdpServiceChannel}, an {@link UdpEchoHandler}
 * serving the echo port, and its {@link TcpServices}, whose connections are {@link TcpChannel}s; then an {@link UnreachableResponder}, which answers UDP to a port without a service and
 * packets of a protocol the host does not know with an ICMP or ICMPv6 error, through the host's
 * {@link IcmpErrorGate}, and counts them as dropped;</li>
 * <li>an {@link UnhandledFrameCounter}, which drops and counts whatever is left.</li>
 * </ol>
 *
 * <p>The counters survive the channel and are summed up by {@link #summary()}. A host serves one channel: its
 * handlers keep per-channel state, and a second channel it is given is closed.
 */
public final class UserspaceHost extends ChannelInitializer<Channel> {
    private final HostAddresses addresses;
    private final FaultInjector faults;
    private final HostPipeline pipeline;
    private final TrafficCounter traffic = new TrafficCounter();
    private final DropCounters drops = new DropCounters();
    private final ArpResponder arp;
    private final NdpResponder ndp;
    private final EthernetFramer ethernet;
    private final IcmpEchoResponder icmpEcho;
    private final int udpEchoPort;
    private final UdpEchoHandler udpEcho = new UdpEchoHandler();
    private final UdpServices udpServices;
    private final TcpServices tcpServices;
    private final IcmpErrorGate icmpErrors = new IcmpErrorGate();
    private boolean initialized;
    private volatile LinkLayer linkLayer;

    private UserspaceHost(Builder builder) {
        addresses = new HostAddresses(builder.mac != null ? builder.mac : MacAddress.randomLocallyAdministered(),
                builder.ipv4Addresses,
                builder.ipv6Addresses);
        faults = builder.faults;
        NeighbourCache neighbours = new NeighbourCache(ArpResponder.DEFAULT_CACHE_CAPACITY);
        arp = new ArpResponder(addresses, neighbours);
        ndp = new NdpResponder(addresses, neighbours);
        ethernet = new EthernetFramer(addresses, neighbours, drops);
        icmpEcho = new IcmpEchoResponder(addresses);
        udpEchoPort = builder.udpEchoPort;
        Map<Integer, ChannelHandler> services = new LinkedHashMap<>(builder.udpServices);
        if (services.putIfAbsent(udpEchoPort, udpEcho) != null) {
            throw new IllegalArgumentException("UDP port " + udpEchoPort + " is the echo port");
        }
        udpServices = new UdpServices(addresses, services, drops);
        tcpServices = new TcpServices(addresses, builder.tcpServices, builder.tcpTimeWaitMillis,
                builder.tcpCongestionControl, drops);
        pipeline = new HostPipeline(this, builder.linkLayer, builder.pcapFile, faults, builder.frameLog);
    }

    /**
     * Starts the configuration of a host; on an Ethernet link it gets a random locally administered MAC address
     * unless {@link Builder#mac} sets one.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the configuration of a host with the given MAC address, which only an Ethernet link uses.
     *
     * @param mac a unicast address
     * @return the builder
     */
    public static Builder builder(MacAddress mac) {
        return new Builder().mac(mac);
    }

    /**
     * Installs a handler that builds the host's pipeline when the channel becomes active.
     *
     * @throws IllegalStateException if the host was given a channel before; {@link ChannelInitializer} then closes
     *                               this one
     */
    @Override
    protected void initChannel(Channel channel) {
        if (initialized) {
            throw new IllegalStateException(this + " already serves a channel");
        }
        initialized = true;
        channel.pipeline().addLast("host", pipeline);
    }

    /** The link layer of the channel, once {@link HostPipeline} found it. */
    void linkLayer(LinkLayer found) {
        linkLayer = found;
    }

    /** {@return the host's addresses} */
    public HostAddresses addresses() {
        return addresses;
    }

    /** {@return the link layer of the channel served, or {@code null} until the channel became active} */
    public LinkLayer linkLayer() {
        return linkLayer;
    }

    /** {@return the frames in and out, as on the link} */
    public TrafficCounter traffic() {
        return traffic;
    }

    /** {@return what the host dropped, inbound and outbound} */
    public DropCounters drops() {
        return drops;
    }

    /** {@return the NDP responder, in the pipeline on an Ethernet link only} */
    public NdpResponder ndp() {
        return ndp;
    }

    /** {@return the ARP responder, in the pipeline on an Ethernet link only} */
    public ArpResponder arp() {
        return arp;
    }

    /** {@return the framer of the IP layer's packets, in the pipeline on an Ethernet link only} */
    public EthernetFramer ethernet() {
        return ethernet;
    }

    /** {@return the ICMP echo responder} */
    public IcmpEchoResponder icmpEcho() {
        return icmpEcho;
    }

    /** {@return the UDP echo service} */
    public UdpEchoHandler udpEcho() {
        return udpEcho;
    }

    /** {@return the UDP services, with their channels once the host's channel is active} */
    public UdpServices udpServices() {
        return udpServices;
    }

    /** {@return the host's TCP: its connections, with the counters of those gone} */
    public TcpServices tcp() {
        return tcpServices;
    }

    /** {@return the gate of the host's ICMP and ICMPv6 errors, with the counts of those sent and held back} */
    public IcmpErrorGate icmpErrors() {
        return icmpErrors;
    }

    /**
     * One line with every counter of the host, e.g. for a demo's exit or a test failure message.
     *
     * @return the line
     */
    public String summary() {
        String arpCounts = linkLayer == LinkLayer.IP ? ""
                : "ARP requests answered " + arp.requestsAnswered() + ", sent " + ethernet.arpRequestsSent()
                + "; NDP solicitations answered " + ndp.solicitationsAnswered() + ", sent "
                + ethernet.neighborSolicitationsSent() + ", ";
        return traffic + "; " + arpCounts
                + "ICMP echo replies " + icmpEcho.repliesSent()
                + ", UDP echoes " + udpEcho.datagramsEchoed()
                + "; ICMP errors " + icmpErrors
                + "; TCP segments in " + tcpServices.segmentsReceived() + ", out " + tcpServices.segmentsSent()
                + "; drops " + drops.total() + ": " + drops
                + (faults != null ? "; " + faults : "");
    }

    @Override
    public String toString() {
        return "UserspaceHost(" + addresses + ", UDP echo port " + udpEchoPort + ')';
    }

    /** The configuration of a {@link UserspaceHost}. */
    public static final class Builder {
        private MacAddress mac;
        private LinkLayer linkLayer;
        private final List<Ipv4Address> ipv4Addresses = new ArrayList<>();
        private final List<Ipv6Address> ipv6Addresses = new ArrayList<>();
        private int udpEchoPort = UdpEchoHandler.ECHO_PORT;
        private final Map<Integer, ChannelHandler> udpServices = new LinkedHashMap<>();
        private final Map<Integer, ChannelHandler> tcpServices = new LinkedHashMap<>();
        private long tcpTimeWaitMillis = TcpSettings.DEFAULT_TIME_WAIT_MILLIS;
        private Supplier<CongestionControl> tcpCongestionControl = Cubic::new;
        private Consumer<String> frameLog;
        private Path pcapFile;
        private FaultInjector faults;

        private Builder() {
        }

        /**
         * Sets the host's MAC address on an Ethernet link.
         *
         * @param mac a unicast address
         * @return this builder
         */
        public Builder mac(MacAddress mac) {
            this.mac = requireNonNull(mac, "mac");
            return this;
        }

        /**
         * The link layer of a channel whose local address is not a {@link LinkLayerAddress}, such as an
         * {@code EmbeddedChannel}; {@link LinkLayer#ETHERNET} unless set. A channel whose address tells its link
         * layer must agree, or the host closes it.
         *
         * @param linkLayer what the channel's frames start with
         * @return this builder
         */
        public Builder linkLayer(LinkLayer linkLayer) {
            this.linkLayer = requireNonNull(linkLayer, "linkLayer");
            return this;
        }

        /**
         * Adds an IPv4 address the host answers on; a host needs at least one IPv4 or IPv6 address.
         *
         * @param address the address
         * @return this builder
         */
        public Builder address(Ipv4Address address) {
            ipv4Addresses.add(requireNonNull(address, "address"));
            return this;
        }

        /**
         * Adds an IPv6 address the host answers on.
         *
         * @param address a unicast address, e.g. 2001:db8::2
         * @return this builder
         */
        public Builder address(Ipv6Address address) {
            ipv6Addresses.add(requireNonNull(address, "address"));
            return this;
        }

        /**
         * The port of the UDP echo service; {@link UdpEchoHandler#ECHO_PORT} unless set.
         *
         * @param port 1 to 65535
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
            return bind(udpServices, "UDP", port, handler);
        }

        private Builder bind(Map<Integer, ChannelHandler> services, String protocol, int port, ChannelHandler handler) {
            if (services.putIfAbsent(port, requireNonNull(handler, "handler")) != null) {
                throw new IllegalArgumentException(protocol + " port " + port + " has a service already");
            }
            return this;
        }

        /**
         * Listens on TCP {@code port} on all the host's addresses: each connection accepted there becomes a
         * {@link TcpChannel} whose pipeline {@code handler} initializes, as a server bootstrap's child handler does,
         * typically a {@link ChannelInitializer} adding Netty's stream codecs and the service's own handler.
         *
         * @param port    the port, 1 to 65535
         * @param handler the handler each connection's channel is initialized with, shared by all of them
         * @return this builder
         * @throws IllegalArgumentException if the port has a service already
         */
        public Builder tcpService(int port, ChannelHandler handler) {
            return bind(tcpServices, "TCP", port, handler);
        }

        /**
         * Sets the congestion control of the host's TCP connections: {@link Cubic} (RFC 9438) unless set, or
         * {@link NewReno}, or a {@link CongestionControl} of the user's.
         *
         * @param controller makes each connection's controller
         * @return this builder
         */
        public Builder tcpCongestionControl(Supplier<CongestionControl> controller) {
            tcpCongestionControl = requireNonNull(controller, "controller");
            return this;
        }

        /**
         * Sets how long a closed connection stays in TIME-WAIT, answering its peer's retransmitted FIN, before its
         * ports may be used again; {@value TcpSettings#DEFAULT_TIME_WAIT_MILLIS} ms by default, Linux's.
         *
         * @param millis the duration, 0 or more
         * @return this builder
         */
        public Builder tcpTimeWaitMillis(long millis) {
            if (millis < 0) {
                throw new IllegalArgumentException("TIME-WAIT negative: " + millis);
            }
            tcpTimeWaitMillis = millis;
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
         * Logs every frame in and out to {@code sink}; see {@link FrameLogger}.
         *
         * @param sink where each line goes
         * @return this builder
         */
        public Builder frameLog(Consumer<String> sink) {
            frameLog = requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Records every frame in and out to a pcap file of the channel's link type; see {@link PcapWriter}.
         *
         * @param file the file, created or truncated when the channel becomes active
         * @return this builder
         */
        public Builder pcap(Path file) {
            pcapFile = requireNonNull(file, "file");
            return this;
        }

        /**
         * Makes the host.
         *
         * @return the host
         * @throws IllegalArgumentException if no address was given, the MAC address is not unicast, a port is
         *                                  out of range or a service is bound to the echo port
         */
        public UserspaceHost build() {
            return new UserspaceHost(this);
        }
    }
}
