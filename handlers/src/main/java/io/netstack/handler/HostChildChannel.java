package io.netstack.handler;

import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

import java.net.SocketAddress;
import java.util.ArrayDeque;

/**
 * A channel of the userspace host's own, such as a bound UDP port or a TCP connection, multiplexed over the channel
 * of frames the host runs on, its {@link #parent()}, as Netty's HTTP/2 stream channels are over their connection. It
 * has no file descriptor: it is registered on its parent's event loop, becomes active when the parent is (or, for a
 * connection, when its handshake completes), and is closed by {@link #close()} or with its parent, all through its
 * {@link ChildChannelMultiplexer}. Its pipeline, initialized by the user's handler, sees the messages of its
 * protocol, not frames. How it writes is its subclass's.
 *
 * <h2>Reading</h2>
 * The multiplexer {@link #deliver delivers} messages while it reads the parent; they are fired at once while a read
 * is pending (always, under auto-read), with one {@code channelReadComplete} at the end of the parent's read loop.
 * Otherwise they wait for the next {@code read()}, up to what {@link #mayQueueRead()} allows; beyond that they are
 * dropped, as a socket drops what its full receive buffer cannot take, and counted in {@link #droppedReads()}.
 */
abstract class HostChildChannel extends AbstractChannel {
    /** How many messages wait for a {@code read()} at most, unless a subclass bounds them otherwise. */
    static final int MAX_QUEUED_READS = 64;
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final ChildChannelMultiplexer multiplexer;
    private final ChannelHandlerContext parentContext;
    private final ArrayDeque<Object> queuedReads = new ArrayDeque<>();
    private final Runnable readQueued = this::readQueued;
    private boolean open = true;
    private boolean active;
    private boolean readPending;
    /** Whether {@code channelRead} was fired since the last {@code channelReadComplete}. */
    private boolean readInLoop;
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
    }

    /** {@return the multiplexer this channel hangs off} */
    final ChildChannelMultiplexer multiplexer() {
        return multiplexer;
    }

    /** {@return the multiplexer's context in the parent's pipeline, where this channel's packets are written} */
    final ChannelHandlerContext parentContext() {
        return parentContext;
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
     * {@return the messages delivered that the pipeline never read: those beyond what the channel may queue while it
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

    /**
     * Fires {@code channelActive}, once, when registered, open and {@link #readyToActivate() ready}; called by the
     * multiplexer.
     */
    final void activate() {
        if (open && !active && isRegistered() && readyToActivate()) {
            active = true;
            pipeline().fireChannelActive();
        }
    }

    /** {@return whether this channel may become active with its parent: a connection only once it is established} */
    boolean readyToActivate() {
        return true;
    }

    /** Writes the flushed messages still in the outbound buffer, as a socket channel does when it turns writable. */
    final void resumeWrites() {
        ((ChildUnsafe) unsafe()).resumeFlush();
    }

    /**
     * Fires {@code msg} through the pipeline if a read is pending, else queues it for the next read; drops and
     * releases it when the queue is full. Called by the multiplexer, while it reads the parent, on an active
     * channel.
     *
     * @param msg a message this channel owns from now on
     * @return whether it was fired rather than queued or dropped
     */
    final boolean deliver(Object msg) {
        if (readPending && queuedReads.isEmpty()) {
            if (!readInLoop) {
                readInLoop = true;
                multiplexer.childRead(this);
            }
            pipeline().fireChannelRead(msg);
            return true;
        }
        if (mayQueueRead()) {
            queuedReads.add(msg);
        } else {
            ReferenceCountUtil.release(msg);
            droppedReads++;
        }
        return false;
    }

    /** {@return whether one more message may wait for a read: up to {@value #MAX_QUEUED_READS}} */
    boolean mayQueueRead() {
        return queuedReads.size() < MAX_QUEUED_READS;
    }

    /** {@return whether messages wait for a read} */
    final boolean hasQueuedReads() {
        return !queuedReads.isEmpty();
    }

    /**
     * A queued message is about to be fired through the pipeline, which may release it.
     *
     * @param msg the message
     */
    void dequeuedRead(Object msg) {
        // Nothing to account by default.
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
            Object msg = queuedReads.poll();
            dequeuedRead(msg);
            pipeline().fireChannelRead(msg);
        }
        if (read) {
            readPending = false;
            pipeline().fireChannelReadComplete();
        }
    }

    @Override
    protected final void doClose() {
        boolean unread = !queuedReads.isEmpty();
        open = false;
        active = false;
        for (Object queued; (queued = queuedReads.poll()) != null; ) {
            ReferenceCountUtil.release(queued);
            droppedReads++;
        }
        closed(unread);
        multiplexer.childClosed(this);
    }

    /**
     * The channel closed: what the subclass holds goes.
     *
     * @param unread whether delivered messages were left unread, now dropped
     */
    abstract void closed(boolean unread);

    @Override
    protected final void doDeregister() {
        // Nothing registered with the loop itself.
    }

    /** Netty's unsafe; a child is bound and connected by the host, never by its user. */
    private final class ChildUnsafe extends AbstractUnsafe {
        void resumeFlush() {
            flush0();
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            safeSetFailure(promise, new UnsupportedOperationException("connected by the host"));
        }
    }
}
