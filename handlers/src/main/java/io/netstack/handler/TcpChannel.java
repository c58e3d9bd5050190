package io.netstack.handler;

import io.netstack.handler.tcp.TcpConnection;
import io.netstack.handler.tcp.TcpEvents;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One TCP connection of the userspace host as a Netty channel, with a pipeline of its own, as an accepted or
 * connected socket channel is for a kernel connection. Reads are {@link ByteBuf}s of the data in order; writes take
 * {@link ByteBuf}s.
 *
 * <ul>
 * <li>A write's promise completes once its bytes are in the connection's send buffer ({@code SO_SNDBUF}), as a
 * socket channel's does once the kernel took them; what does not fit waits in the outbound buffer, whose water marks
 * drive {@link #isWritable()}, and moves on as the peer acknowledges.</li>
 * <li>With auto-read off, or while the pipeline does not read, data waits in the channel, and the receive window
 * shrinks by it: the peer is held back, nothing is dropped.</li>
 * <li>{@link #shutdownOutput()} sends a FIN after the data written; the peer's FIN closes the channel, or with
 * {@code ALLOW_HALF_CLOSURE} fires {@link ChannelInputShutdownEvent}.</li>
 * <li>{@link #close()} finishes the connection in order in the background, or resets it with {@code SO_LINGER} 0
 * or with data left unread, as Linux does. A reset, refusal or timeout fires {@code exceptionCaught} with an
 * {@link IOException} and closes the channel.</li>
 * </ul>
 */
public final class TcpChannel extends HostChildChannel implements DuplexChannel {
    private final TcpChannelConfig config;
    private final InetSocketAddress remote;
    private InetSocketAddress local;
    private ChannelPromise connectPromise;
    private final ConnectionEvents events = new ConnectionEvents();
    private TcpConnection connection;
    private int unreadBytes;
    private boolean inputShutdown;
    private boolean inputShutdownPending;
    private boolean outputShutdown;

    TcpChannel(ChildChannelMultiplexer multiplexer, ChannelHandlerContext parentContext, InetSocketAddress remote) {
        super(multiplexer, parentContext);
        this.remote = remote;
        config = new TcpChannelConfig(this);
        config.setAllocator(parentContext.alloc());
    }

    /** Binds this channel to its connection, whose events it hears from now on. */
    void attach(TcpConnection tcp) {
        connection = tcp;
        local = tcp.flow().local();
        tcp.events(events);
        settingsChanged();
    }

    /** {@return the events this channel hears its connection through, for a connection it opens} */
    TcpEvents events() {
        return events;
    }

    /**
     * This channel opens its connection: {@code promise} completes when the handshake does, or fails with the reason
     * it did not, a refusal, a timeout, or {@code CONNECT_TIMEOUT_MILLIS} passing first.
     */
    void connecting(ChannelPromise promise) {
        connectPromise = promise;
        int timeoutMillis = config.getConnectTimeoutMillis();
        if (timeoutMillis > 0) {
            ScheduledFuture<?> timeout = eventLoop().schedule(() -> {
                if (connection != null && !connection.state().isSynchronized()) {
                    connection.abort();
                    events.failed(new ConnectTimeoutException("connection timed out after " + timeoutMillis
                            + " ms: " + remote));
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            promise.addListener(done -> timeout.cancel(false));
        }
    }

    @Override
    public TcpChannelConfig config() {
        return config;
    }

    /** {@return the connection behind this channel: its state, counters and sending figures} */
    public TcpConnection connection() {
        return connection;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    protected InetSocketAddress localAddress0() {
        return local;
    }

    /** The configuration changed: the connection takes the new buffer sizes and Nagle setting. */
    void settingsChanged() {
        if (connection != null) {
            connection.configure(config.getReceiveBufferSize(), config.getSendBufferSize(), config.isTcpNoDelay());
            connection.keepalive(config.isKeepAlive(), config.getKeepIdle(), config.getKeepInterval(),
                    config.getKeepCount());
        }
    }

    @Override
    boolean readyToActivate() {
        return connection != null && connection.state().isSynchronized();
    }

    // ---- reading

    @Override
    boolean mayQueueRead() {
        return true; // bounded by the receive window, which shrinks by what waits here
    }

    @Override
    void dequeuedRead(Object msg) {
        unreadBytes -= ((ByteBuf) msg).readableBytes();
        if (!hasQueuedReads()) {
            eventLoop().execute(this::queueDrained);
        }
    }

    private void queueDrained() {
        if (connection != null) {
            connection.windowOpened();
            multiplexer().flushAfterRead(parentContext());
        }
        if (inputShutdownPending && !hasQueuedReads()) {
            inputShutdownPending = false;
            shutDownInput();
        }
    }

    private void shutDownInput() {
        inputShutdown = true;
        if (config.isAllowHalfClosure()) {
            pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        } else {
            close();
        }
    }

    // ---- writing

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName()
                + " (expected: ByteBuf)");
    }

    /** Moves flushed buffers into the connection's send buffer while it has room, then sends what the windows allow. */
    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        if (connection == null) {
            return;
        }
        for (Object msg; (msg = in.current()) != null; ) {
            int room = connection.sender().sendBufferRoom();
            if (room == 0) {
                break;
            }
            ByteBuf data = (ByteBuf) msg;
            int length = data.readableBytes();
            if (length <= room) {
                connection.send(data.retain());
                in.remove();
            } else {
                connection.send(data.readRetainedSlice(room));
                in.progress(room);
                break;
            }
        }
        connection.flushOutput();
        multiplexer().flushAfterRead(parentContext());
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    /** Not supported: TCP has no way to tell the peer, and Linux only discards what arrives after it. */
    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return promise.setFailure(new UnsupportedOperationException("shutdownInput on a userspace TCP channel"));
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        if (eventLoop().inEventLoop()) {
            ((AbstractUnsafe) unsafe()).shutdownOutput(promise);
        } else {
            eventLoop().execute(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        }
        return promise;
    }

    @Override
    protected void doShutdownOutput() {
        outputShutdown = true;
        if (connection != null) {
            connection.shutdownOutput();
            multiplexer().flushAfterRead(parentContext());
        }
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        return shutdownOutput(promise);
    }

    @Override
    void closed(boolean unread) {
        outputShutdown = true;
        inputShutdown = true;
        if (connection == null) {
            return;
        }
        connection.orphan();
        if (unread || config.getSoLinger() == 0) {
            connection.abort();
        } else {
            connection.shutdownOutput();
        }
        multiplexer().flushAfterRead(parentContext());
    }

    /** What the connection tells this channel. */
    private final class ConnectionEvents implements TcpEvents {
        @Override
        public void established() {
            activate();
            if (connectPromise != null) {
                connectPromise.trySuccess();
            }
        }

        @Override
        public void received(ByteBuf data) {
            int length = data.readableBytes();
            if (!isActive()) {
                ReferenceCountUtil.release(data);
                return;
            }
            if (!deliver(data)) {
                unreadBytes += length;
            }
        }

        @Override
        public void peerFinished() {
            if (hasQueuedReads()) {
                inputShutdownPending = true;
            } else {
                shutDownInput();
            }
        }

        @Override
        public void failed(IOException cause) {
            if (connectPromise != null && connectPromise.tryFailure(cause)) {
                close(); // a failed connect is the connect future's, not the pipeline's
                return;
            }
            pipeline().fireExceptionCaught(cause);
            close();
        }

        @Override
        public void sendSpaceFreed() {
            resumeWrites();
        }

        @Override
        public void terminated() {
            close();
        }

        @Override
        public int unreadBytes() {
            return unreadBytes;
        }
    }
}
