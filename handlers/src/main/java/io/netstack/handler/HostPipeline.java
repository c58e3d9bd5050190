package io.netstack.handler;

import io.netstack.handler.fault.FaultInjector;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.LinkLayerAddress;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds a {@link UserspaceHost}'s pipeline for the channel's link layer when the channel becomes active, which is
 * when a TAP channel knows its address, then gives way to it. The order is the host's layering, from the device
 * inwards, as {@link UserspaceHost} describes it.
 */
final class HostPipeline extends ChannelInboundHandlerAdapter {
    private final UserspaceHost host;
    private final LinkLayer configuredLinkLayer;
    private final Path pcapFile;
    private final FaultInjector faults;
    private final Consumer<String> frameLog;

    /**
     * @param host                the host whose handlers go in
     * @param configuredLinkLayer the link layer for a channel whose address does not tell, or {@code null}
     * @param pcapFile            the capture to write, or {@code null}
     * @param faults              the link's fault injector, or {@code null}
     * @param frameLog            where the frame log goes, or {@code null}
     */
    HostPipeline(UserspaceHost host, LinkLayer configuredLinkLayer, Path pcapFile, FaultInjector faults,
                 Consumer<String> frameLog) {
        this.host = host;
        this.configuredLinkLayer = configuredLinkLayer;
        this.pcapFile = pcapFile;
        this.faults = faults;
        this.frameLog = frameLog;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        try {
            LinkLayer linkLayer = LinkLayerAddress.linkLayerOf(ctx.channel().localAddress(),
                    configuredLinkLayer);
            host.linkLayer(linkLayer);
            install(ctx.pipeline(), ctx.name(), linkLayer);
        } catch (IOException | RuntimeException e) {
            ctx.fireExceptionCaught(e);
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    private void install(ChannelPipeline pipeline, String setup, LinkLayer linkLayer) throws IOException {
        Map<String, ChannelHandler> handlers = new LinkedHashMap<>();
        if (pcapFile != null) {
            handlers.put("pcap", new PcapWriter(pcapFile, linkLayer));
        }
        handlers.put("traffic", host.traffic());
        if (faults != null) {
            handlers.put("faults", faults);
        }
        if (frameLog != null) {
            handlers.put("log", new FrameLogger(frameLog, linkLayer));
        }
        handlers.put("demultiplexer", new PacketDemultiplexer(linkLayer, host.drops()));
        if (linkLayer == LinkLayer.ETHERNET) {
            // ARP and NDP write whole frames, so they sit on the device's side of the framer; the IP layer after.
            handlers.put("arp", host.arp());
            handlers.put("ndp", host.ndp());
            handlers.put("ethernet", host.ethernet());
        }
        handlers.put("icmpEcho", host.icmpEcho());
        handlers.put("udp", host.udpServices());
        handlers.put("tcp", host.tcp());
        handlers.put("unreachable",
                new UnreachableResponder(host.addresses(), linkLayer, host.icmpErrors(), host.drops()));
        handlers.put("unhandled", new UnhandledFrameCounter(host.drops()));
        String previous = setup;
        for (Map.Entry<String, ChannelHandler> handler : handlers.entrySet()) {
            pipeline.addAfter(previous, handler.getKey(), handler.getValue());
            previous = handler.getKey();
        }
    }
}
