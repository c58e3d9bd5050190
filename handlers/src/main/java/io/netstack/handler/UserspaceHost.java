package io.netstack.handler;

import io.netstack.handler.fault.FaultInjector;
import io.netstack.wire.LinkLayer;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * <li>an {@link ArpResponder}, an {@link IcmpEchoResponder} and a {@link UdpEchoHandler};</li>
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
    private final UdpEchoHandler udpEcho;

    private UserspaceHost(Builder builder) {
        addresses = new HostAddresses(builder.mac, builder.ipv4Addresses);
        frameLog = builder.frameLog;
        pcapFile = builder.pcapFile;
        faults = builder.faults;
        arp = new ArpResponder(addresses);
        icmpEcho = new IcmpEchoResponder(addresses);
        udpEcho = new UdpEchoHandler(addresses, builder.udpEchoPort);
    }

    /** Starts the configuration of a host with the given MAC address. */
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
        pipeline.addLast("udpEcho", udpEcho);
        pipeline.addLast("unhandled", new UnhandledFrameCounter(drops));
    }

    public HostAddresses addresses() {
        return addresses;
    }

    public TrafficCounter traffic() {
        return traffic;
    }

    public DropCounters drops() {
        return drops;
    }

    public ArpResponder arp() {
        return arp;
    }

    public IcmpEchoResponder icmpEcho() {
        return icmpEcho;
    }

    public UdpEchoHandler udpEcho() {
        return udpEcho;
    }

    /** One line with every counter of the host, e.g. for a demo's exit or a test failure message. */
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
        return "UserspaceHost(" + addresses + ", UDP echo port " + udpEcho.port() + ')';
    }

    /** The configuration of a {@link UserspaceHost}. */
    public static final class Builder {
        private final MacAddress mac;
        private final List<Ipv4Address> ipv4Addresses = new ArrayList<>();
        private int udpEchoPort = UdpEchoHandler.ECHO_PORT;
        private Consumer<String> frameLog;
        private Path pcapFile;
        private FaultInjector faults;

        private Builder(MacAddress mac) {
            this.mac = requireNonNull(mac, "mac");
        }

        /** Adds an IPv4 address the host answers on; at least one is required. */
        public Builder address(Ipv4Address address) {
            ipv4Addresses.add(requireNonNull(address, "address"));
            return this;
        }

        /** The port of the UDP echo service; {@link UdpEchoHandler#ECHO_PORT} unless set. */
        public Builder udpEchoPort(int port) {
            udpEchoPort = port;
            return this;
        }

        /** Logs every frame in and out to {@code sink}; see {@link FrameLogger}. */
        public Builder frameLog(Consumer<String> sink) {
            frameLog = requireNonNull(sink, "sink");
            return this;
        }

        /** Records every frame in and out to a pcap file; see {@link PcapWriter}. */
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
         * @throws IllegalArgumentException if no address was given, the MAC address is not unicast or the port is
         *                                  out of range
         */
        public UserspaceHost build() {
            return new UserspaceHost(this);
        }
    }
}
