package io.netstack.handler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

import java.net.SocketAddress;
import java.util.ArrayDeque;

/**
 * A channel of the userspace host's own, such as a bound UDP port, multiplexed over the channel of frames the host
 * runs on, its {@link #parent()}, as Netty's HTTP/2 stream channels are over their connection. It has no file
 * descriptor: it is registered on its parent's event loop, becomes active when the parent is, and is closed by
 * {@link #close()} or with its parent, all through its {@link ChildChannelMultiplexer}. Its pipeline, initialized
 * by the user's handler, sees the messages of its protocol, not frames.
 *
 * <h2>Reading</h2>
 * The multiplexer {@link #deliver delivers} messages while it reads the parent; they are fired at once while a read
 * is pending (always, under auto-read), with one {@code channelReadComplete} at the end of the parent's read loop.
 * Otherwise up to {@value #MAX_QUEUED_READS} wait for the next {@code read()}; beyond that they are dropped, as a
 * socket drops what its full receive buffer cannot take, and counted in {@link #droppedReads()}.
 *
 * <h2>Writing</h2>
 * Each flushed message is turned into one IP packet by {@link #encode} and written into the parent's pipeline at the
 * multiplexer's place; {@code flush()} flushes the parent, at the end of its read loop if one is under way, so the
 * answers of a loop share one flush. A message stays in this channel's outbound buffer until the parent's write of
 * its packet is settled, and its promise gets that outcome: success once the parent wrote it, or the parent's
 * failure. Promises are settled in the order of the writes. A close fails the writes still queued, those the parent
 * holds included. {@link #isWritable()} follows the parent.
 */
abstract class HostChildChannel extends AbstractChannel {
    /** How many messages wait for a {@code read()} at most. */
    static final int MAX_QUEUED_READS = 64;
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final ChildChannelMultiplexer multiplexer;
    private final ChannelHandlerContext parentContext;
    private final ChannelConfig config;
    private final ArrayDeque<Object> queuedReads = new ArrayDeque<>();
    /**
     * The messages handed to the parent, oldest first, and in step with them the parent's writes of their packets:
     * two queues rather than one of pairs, which would be an object per datagram sent.
     */
    private final ArrayDeque<Object> inFlight = new ArrayDeque<>();
    private final ArrayDeque<ChannelFuture> parentWrites = new ArrayDeque<>();
    private final ChannelFutureListener parentWriteSettled = future -> settleInFlight();
    private final Runnable readQueued = this::readQueued;
    private final FlushedWriter flushedWriter = new FlushedWriter();
    private boolean open = true;
    private boolean active;
    private boolean readPending;
    /** Whether {@code channelRead} was fired since the last {@code channelReadComplete}. */
    private boolean readInLoop;
    /** While {@link #doWrite} walks the outbound buffer, which must not change under it. */
    private boolean writing;
    private volatile long droppedReads;

    /**
     * A child of the channel {@code parentContext} belongs to.
     *
     * @param multiplexer   the handler that delivers to and writes for this channel
     * @param parentContext the multiplexer's context in the parent's pipeline
     */
    HostChildChannel(ChildChannelMultiplexer multiplexer, ChannelHandlerContext parentContext) {
        super(parentContext.channel());
        this.multiplexer = multiplexer;
        this.parentContext = parentContext;
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
    public final boolean isOpen() {
        return open;
    }

    @Override
    public final boolean isActive() {
        return open && active;
    }

    @Override
    public final ChannelMetadata metadata() {
        return METADATA;
    }

    /** Writable while both the parent and this channel's own outbound buffer are under their high water marks. */
    @Override
    public final boolean isWritable() {
        return parent().isWritable() && super.isWritable();
    }

    /**
     * {@return the messages delivered that the pipeline never read: those beyond {@value #MAX_QUEUED_READS} while it
     * was not reading, and those still queued when the channel closed}
     */
    public final long droppedReads() {
        return droppedReads;
    }

    @Override
    protected final boolean isCompatible(EventLoop loop) {
        return loop == parent().eventLoop();
    }

    @Override
    protected final AbstractUnsafe newUnsafe() {
        return new ChildUnsafe();
    }

    @Override
    protected final void doRegister(ChannelPromise promise) {
        promise.setSuccess();
    }

    @Override
    protected final SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected final void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("bound by the host");
    }

    @Override
    protected final void doDisconnect() {
        throw new UnsupportedOperationException("not connected");
    }

    /** Fires {@code channelActive}, once, when registered and open; called by the multiplexer. */
    final void activate() {
        if (open && !active && isRegistered()) {
            active = true;
            pipeline().fireChannelActive();
        }
    }

    /**
     * Fires {@code msg} through the pipeline if a read is pending, else queues it for the next read; drops and
     * releases it when the queue is full. Called by the multiplexer, while it reads the parent, on an active
     * channel.
     *
     * @param msg a message this channel owns from now on
     */
    final void deliver(Object msg) {
        if (readPending && queuedReads.isEmpty()) {
            if (!readInLoop) {
                readInLoop = true;
                multiplexer.childRead(this);
            }
            pipeline().fireChannelRead(msg);
        } else if (queuedReads.size() < MAX_QUEUED_READS) {
            queuedReads.add(msg);
        } else {
            ReferenceCountUtil.release(msg);
            droppedReads++;
        }
    }

    /** Ends the read loop with {@code channelReadComplete} if anything was read in it; called by the multiplexer. */
    final void readComplete() {
        if (readInLoop) {
            readInLoop = false;
            // A further read, under auto-read the pipeline's own, is pending again only once asked for.
            readPending = false;
            pipeline().fireChannelReadComplete();
        }
    }

    @Override
    protected final void doBeginRead() {
        readPending = true;
        if (!queuedReads.isEmpty()) {
            // Later, not from inside read(): the pipeline may be in the middle of a channelRead.
            eventLoop().execute(readQueued);
        }
    }

    /** A read of the queue, between the parent's read loops: a loop of its own. */
    private void readQueued() {
        boolean read = false;
        while (isActive() && readPending && !queuedReads.isEmpty()) {
            read = true;
            pipeline().fireChannelRead(queuedReads.poll());
        }
        if (read) {
            readPending = false;
            pipeline().fireChannelReadComplete();
        }
    }

    @Override
    protected final Object filterOutboundMessage(Object msg) throws Exception {
        Object checked;
        try {
            checked = checkOutbound(msg);
        } catch (Exception e) {
            multiplexer.unsendable();
            throw e;
        }
        ByteBuf packet;
        try {
            packet = encode(checked, parentContext.alloc());
        } catch (Exception e) {
            // Failed here, the write would not reach a void promise's pipeline: it fails in order at the flush.
            multiplexer.unsendable();
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
                multiplexer.flushAfterRead(parentContext);
            }
        } while (written);
    }

    /**
     * Writes the packet {@code msg} to the parent: a duplicate of its own, since the link layer prepends its header
     * in place, while the outbound buffer keeps the packet until the write settles.
     */
    private ChannelFuture writeToParent(Object msg) {
        ChannelPromise promise = parentContext.newPromise();
        promise.addListener(parentWriteSettled);
        if (msg instanceof Unsendable unsendable) {
            promise.setFailure(unsendable.cause());
        } else {
            multiplexer.writePacket(parentContext, ((ByteBuf) msg).retainedDuplicate(), promise);
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
    protected final void doClose() {
        open = false;
        active = false;
        clearInFlight();
        for (Object queued; (queued = queuedReads.poll()) != null; ) {
            ReferenceCountUtil.release(queued);
            droppedReads++;
        }
        multiplexer.childClosed(this);
    }

    @Override
    protected final void doDeregister() {
        // Nothing registered with the loop itself.
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

    /** Netty's unsafe; a child is bound and connected by the host, never by its user. */
    private final class ChildUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            safeSetFailure(promise, new UnsupportedOperationException("connected by the host"));
        }
    }
}
