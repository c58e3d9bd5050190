package io.netstack.handler.tcp;

import io.netty.buffer.ByteBuf;

import java.io.IOException;

/**
 * What a connection tells its user: the host's channel of the connection. By default nothing listens: data is
 * released, the rest ignored.
 */
public interface TcpEvents {
    /** Nobody listens: what an orphaned connection, whose channel closed, tells. */
    TcpEvents NONE = new TcpEvents() {
    };

    /** The handshake completed. */
    default void established() {
    }

    /**
     * In-order data arrived.
     *
     * @param data the bytes, the user's to release
     */
    default void received(ByteBuf data) {
        data.release();
    }

    /** The peer sent its FIN, after all its data. */
    default void peerFinished() {
    }

    /**
     * The connection ended abnormally: reset, refused, or timed out.
     *
     * @param cause what happened, for the user
     */
    default void failed(IOException cause) {
    }

    /** Acknowledged data freed room in the send buffer. */
    default void sendSpaceFreed() {
    }

    /** The connection is gone: both sides finished and this side's FIN was acknowledged, or it failed. */
    default void terminated() {
    }

    /** {@return the bytes delivered that the user has not consumed yet, which the receive window leaves out} */
    default int unreadBytes() {
        return 0;
    }
}
