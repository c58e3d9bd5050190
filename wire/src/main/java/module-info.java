/**
 * Wire formats: zero-copy views over Netty {@code ByteBuf}s for the headers a userspace host reads and writes, their
 * addresses, the Internet checksum, and the {@code virtio_net_hdr} that precedes a frame when offloads are on.
 */
module io.netstack.wire {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;

    exports io.netstack.wire;
}
