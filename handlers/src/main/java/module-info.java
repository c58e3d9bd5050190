/**
 * Netty pipeline handlers over the wire formats: a userspace host (ARP, ICMP echo, UDP echo), offload handlers that
 * split and coalesce TCP super-frames, and capture to a pcap file or a log. They take frames as {@code ByteBuf}s
 * from any channel: a {@code TapChannel}, or an {@code EmbeddedChannel} in a test.
 */
module io.netstack.handler {
    requires transitive io.netstack.wire;
    requires transitive io.netty.transport;
    requires transitive io.netty.common;

    exports io.netstack.handler;
    exports io.netstack.handler.fault;
}
