/**
 * Netty handlers that make a channel of Ethernet frames (a TAP device's) or of IP packets (a TUN device's) into a
 * userspace IPv4 host.
 *
 * <p>{@link io.netstack.handler.PacketDemultiplexer} decodes each frame once into a reused
 * {@link io.netstack.handler.InboundFrame}; the {@link io.netstack.handler.FrameResponder}s after
 * it ({@link io.netstack.handler.ArpResponder} on Ethernet, {@link io.netstack.handler.IcmpEchoResponder},
 * {@link io.netstack.handler.UdpServices}) answer the frames meant for them and pass the others on, and
 * {@link io.netstack.handler.UnhandledFrameCounter} drops what is left, counted in
 * {@link io.netstack.handler.DropCounters}. The IP-layer responders write IP packets; on Ethernet,
 * {@link io.netstack.handler.EthernetFramer} frames them for their next hop, resolved with ARP. Each UDP port bound
 * to a service is a {@link io.netstack.handler.UdpServiceChannel}, a child channel of the host's whose pipeline
 * reads and writes Netty's {@code DatagramPacket}s, so that Netty's UDP codecs run on the host; the
 * {@link io.netstack.handler.UdpEchoHandler} is one such service. {@link io.netstack.handler.FrameLogger},
 * {@link io.netstack.handler.PcapWriter} and {@link io.netstack.handler.TrafficCounter} observe frames in both
 * directions. {@link io.netstack.handler.UserspaceHost} puts them all together.
 *
 * <p>{@link io.netstack.handler.PacketDecoder} is the one decoder of them all: the host's
 * {@code InboundFrame} and the offload handlers below decode with it, and so can a user's own handler, on a TAP or
 * a TUN device. It checks structure, and verifies checksums as a separate step that a handler skips for what the
 * kernel has verified.
 *
 * <p>For channels with offloads ({@code TapChannelOption.OFFLOADS}), {@link io.netstack.handler.GsoSplitter}
 * cuts the kernel's super-frames into plain frames and completes partial checksums, and
 * {@link io.netstack.handler.GroCoalescer} merges plain TCP segments into super-frames.
 * {@link io.netstack.handler.FrameForwarder} copies what one channel reads into another, as a userspace
 * bridge between two devices does.
 *
 * <p>No handler lets malformed input escape as an exception, and every frame a handler consumes is released exactly
 * once.
 */
package io.netstack.handler;
