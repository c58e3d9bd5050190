package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * A host channel whose every message is one IP packet, such as a UDP service's datagrams.
 *
 * <h2>Writing</h2>
 * Each flushed message is turned into one IP packet by {@link #encode} and written into the parent's pipeline at the
 * multiplexer's place; {@code flush()} flushes the parent, at the end of its read loop if one is under way, so the
 * answers of a loop share one flush. A message stays in this channel's outbound buffer until the parent's write of
 * its packet is settled, and its promise gets that outcome: success once the parent wrote it, or the parent's
 * failure. Promises are settled in the order of the writes. A close fails the writes still queued, those the parent
 * holds included. {@link #isWritable()} follows the parent. A message that cannot become a packet fails its write
 * and is counted as {@link OutboundDrop#UNSENDABLE}.
 */
abstract class PacketChildChannel extends HostChildChannel {
    private final ChannelConfig config;
    /**
     * The messages handed to the parent, oldest first, and in step with them the parent's writes of their packets:
     * two queues rather than one of pairs, which would be an object per datagram sent.
     */
    private final ArrayDeque<Object> inFlight = new ArrayDeque<>();
    private final ArrayDeque<ChannelFuture> parentWrites = new ArrayDeque<>();
    private final ChannelFutureListener parentWriteSettled = future -> settleInFlight();
    private final FlushedWriter flushedWriter = new FlushedWriter();
    /** While {@link #doWrite} walks the outbound buffer, which must not change under it. */
    private boolean writing;

    /**
     * A child of the channel {@code parentContext} belongs to.
     *
     * @param multiplexer   the handler that delivers to and writes for this channel
     * @param parentContext the multiplexer's context in the parent's pipeline
     */
    PacketChildChannel(ChildChannelMultiplexer multiplexer, ChannelHandlerContext parentContext) {
        super(multiplexer, parentContext);
        config = new DefaultChannelConfig(this);
        config.setAllocator(parentContext.alloc());
    }

    /**
     * Turns a message written to this channel into the IP packet it is sent as: a buffer whose readable bytes are
     * the packet, with {@link io.netstack.wire.Frames#LINK_HEADROOM} bytes of headroom. It runs at the write, so the
     * message (and the buffer it carries, often a slice of a frame read) is released at once, and the outbound
     * buffer holds the packet until its write to the parent settles.
     *
     * @param msg a message {@link #checkOutbound} accepted
     * @param alloc the allocator of the packet
     * @return the packet, owned by the caller
     * @throws Exception if the message cannot be sent
     */
    abstract ByteBuf encode(Object msg, ByteBufAllocator alloc) throws Exception;

    @Override
    public final ChannelConfig config() {
        return config;
    }

    @Override
    protected final Object filterOutboundMessage(Object msg) throws Exception {
        Object checked;
        try {
            checked = checkOutbound(msg);
        } catch (Exception e) {
            multiplexer().unsendable();
            throw e;
        }
        ByteBuf packet;
        try {
            packet = encode(checked, parentContext().alloc());
        } catch (Exception e) {
            // Failed here, the write would not reach a void promise's pipeline: it fails in order at the flush.
            multiplexer().unsendable();
            ReferenceCountUtil.release(checked);
            return new Unsendable(e);
        }
        ReferenceCountUtil.release(checked);
        return packet;
    }

    /** A written message that could not be encoded, queued to fail its write in order. */
    private record Unsendable(Exception cause) {
    }

    /**
     * Checks a message written to this channel before it is queued, so that what cannot be sent fails its promise
     * at once.
     *
     * @param msg the message written
     * @return the message to queue
     * @throws Exception if the channel does not take it
     */
    abstract Object checkOutbound(Object msg) throws Exception;

    /**
     * Hands the flushed messages not yet handed over to the parent, and flushes it. Settling a write may make its
     * listener write and flush again, which Netty's flush does not re-enter while this runs: hence the loop.
     */
    @Override
    protected final void doWrite(ChannelOutboundBuffer in) throws Exception {
        boolean written;
        do {
            writing = true;
            try {
                flushedWriter.alreadyWritten = inFlight.size();
                flushedWriter.written = false;
                in.forEachFlushedMessage(flushedWriter);
            } finally {
                writing = false;
            }
            written = flushedWriter.written;
            // Those the parent failed at once, while the walk above could not settle them.
            settleInFlight();
            if (written) {
                multiplexer().flushAfterRead(parentContext());
            }
        } while (written);
    }

    /**
     * Writes the packet {@code msg} to the parent: a duplicate of its own, since the link layer prepends its header
     * in place, while the outbound buffer keeps the packet until the write settles.
     */
    private ChannelFuture writeToParent(Object msg) {
        ChannelPromise promise = parentContext().newPromise();
        promise.addListener(parentWriteSettled);
        if (msg instanceof Unsendable unsendable) {
            promise.setFailure(unsendable.cause());
        } else {
            multiplexer().writePacket(parentContext(), ((ByteBuf) msg).retainedDuplicate(), promise);
        }
        return promise;
    }

    /**
     * Removes the messages whose parent writes are settled from the head of the outbound buffer, completing their
     * promises with the outcome, oldest first; a later write settled first waits for the earlier ones.
     */
    private void settleInFlight() {
        if (writing) {
            return;
        }
        ChannelOutboundBuffer in = unsafe().outboundBuffer();
        if (in == null) {
            // Closed: the close failed what was still queued.
            clearInFlight();
            return;
        }
        for (ChannelFuture parentWrite; (parentWrite = parentWrites.peek()) != null && parentWrite.isDone(); ) {
            parentWrites.poll();
            Object message = inFlight.poll();
            // Entries cancelled before their flush were never written: they go first.
            while (in.current() != null && in.current() != message) {
                in.remove();
            }
            if (parentWrite.isSuccess()) {
                in.remove();
            } else {
                in.remove(parentWrite.cause());
            }
        }
    }

    private void clearInFlight() {
        inFlight.clear();
        parentWrites.clear();
    }

    @Override
    final void closed(boolean unread) {
        clearInFlight();
    }

    /** Hands the flushed messages not yet handed to the parent. */
    private final class FlushedWriter implements ChannelOutboundBuffer.MessageProcessor {
        private int alreadyWritten;
        private boolean written;

        @Override
        public boolean processMessage(Object msg) {
            if (alreadyWritten > 0) {
                alreadyWritten--;
            } else {
                ChannelFuture parentWrite = writeToParent(msg);
                inFlight.add(msg);
                parentWrites.add(parentWrite);
                written = true;
            }
            return true;
        }
    }
}
