/**
 * Netty handlers that make a channel of Ethernet frames, such as a TAP device's, into a userspace IPv4 host.
 *
 * <p>{@link io.netstack.protocol.handler.EthernetDemultiplexer} decodes each frame once into a reused
 * {@link io.netstack.protocol.handler.InboundFrame}; the {@link io.netstack.protocol.handler.FrameResponder}s after
 * it ({@link io.netstack.protocol.handler.ArpResponder}, {@link io.netstack.protocol.handler.IcmpEchoResponder},
 * {@link io.netstack.protocol.handler.UdpEchoHandler}) answer the frames meant for them and pass the others on, and
 * {@link io.netstack.protocol.handler.UnhandledFrameCounter} drops what is left, counted in
 * {@link io.netstack.protocol.handler.DropCounters}. {@link io.netstack.protocol.handler.FrameLogger},
 * {@link io.netstack.protocol.handler.PcapWriter} and {@link io.netstack.protocol.handler.TrafficCounter} observe
 * frames in both directions. {@link io.netstack.protocol.handler.UserspaceHost} puts them all together.
 *
 * <p>For channels with offloads ({@code TapChannelOption.OFFLOADS}), {@link io.netstack.protocol.handler.GsoSplitter}
 * cuts the kernel's super-frames into plain frames and completes partial checksums, and
 * {@link io.netstack.protocol.handler.GroCoalescer} merges plain TCP segments into super-frames.
 * {@link io.netstack.protocol.handler.FrameForwarder} copies what one channel reads into another, as a userspace
 * bridge between two devices does.
 *
 * <p>No handler lets malformed input escape as an exception, and every frame a handler consumes is released exactly
 * once.
 */
package io.netstack.protocol.handler;
