package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.VirtioNetFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import static java.util.Objects.requireNonNull;

/**
 * Decodes each inbound frame once and passes it on as an {@link InboundFrame}, classified by EtherType (on an
 * Ethernet link) or IP version (on a TUN device's) and by IP protocol, for the handlers after it to dispatch on.
 *
 * <h2>How handlers share the decoded views</h2>
 * The pipeline stays linear: this handler replaces each {@link ByteBuf} frame by an {@link InboundFrame} that holds
 * the frame and views already validated down to ARP, ICMP or UDP. Each handler after it checks
 * {@link InboundFrame#kind()} and the fields it cares about, consumes (and releases) the frames it answers and
 * passes on the others, so no handler parses a header again. The {@code InboundFrame} and its views belong to this
 * handler and are re-pointed at each frame, which is what keeps the receive path free of allocation; the price is
 * that a handler must not keep the {@code InboundFrame} beyond its {@code channelRead}.
 *
 * <h2>Structure, then checksums</h2>
 * Each frame's structure is decoded first; then its checksums (IPv4 header, ICMP, UDP, TCP) are verified, unless
 * it came as a {@link VirtioNetFrame} whose kernel vouches for them: {@code DATA_VALID} (the kernel verified them)
 * or {@code NEEDS_CSUM} (a local sender's frame, whose transport checksum is a partial sum that Linux too treats as
 * good). Such a frame goes on as its bare content. A super-frame ({@code gso_type} set) is dropped, counted as
 * {@link DecodeError#VIRTIO_NET_UNSUPPORTED_GSO}: put a {@link GsoSplitter} in front to take them.
 *
 * <p>Malformed frames and frames with a bad checksum stop here: they are counted in {@link DropCounters} under
 * their {@link DecodeError} and released. Messages other than {@code ByteBuf} and {@code VirtioNetFrame} pass
 * through untouched.
 */
public final class PacketDemultiplexer extends ChannelInboundHandlerAdapter {
    private final InboundFrame inbound;
    private final DropCounters drops;

    /**
     * A demultiplexer counting what it drops.
     *
     * @param linkLayer what starts each frame: {@link LinkLayer#ETHERNET} on a TAP device, {@link LinkLayer#IP} on a
     *                  TUN device
     * @param drops     where malformed frames are counted
     */
    public PacketDemultiplexer(LinkLayer linkLayer, DropCounters drops) {
        inbound = new InboundFrame(linkLayer);
        this.drops = requireNonNull(drops, "drops");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame;
        boolean checksumsVerified;
        if (msg instanceof ByteBuf buf) {
            frame = buf;
            checksumsVerified = false;
        } else if (msg instanceof VirtioNetFrame virtio) {
            if (virtio.isGso()) {
                drops.increment(DecodeError.VIRTIO_NET_UNSUPPORTED_GSO);
                virtio.release();
                return;
            }
            checksumsVerified = virtio.dataValid() || virtio.needsCsum();
            frame = virtio.takeContent();
        } else {
            ctx.fireChannelRead(msg);
            return;
        }
        DecodeError error = inbound.decode(frame);
        if (error == null && !checksumsVerified) {
            error = inbound.verifyChecksums();
        }
        if (error != null) {
            drops.increment(error);
            frame.release();
            return;
        }
        ctx.fireChannelRead(inbound);
    }
}
