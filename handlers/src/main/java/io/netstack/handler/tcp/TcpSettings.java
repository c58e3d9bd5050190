package io.netstack.handler.tcp;

import java.util.function.Supplier;

/**
 * The settings a connection starts with: buffer sizes, Nagle, TIME-WAIT, the MSS from the device's MTU and the
 * congestion controller.
 *
 * @param receiveBufferSize  the receive buffer in bytes, the most the window offers (SO_RCVBUF)
 * @param sendBufferSize     the send buffer in bytes (SO_SNDBUF): more written waits in the channel
 * @param noDelay            whether small segments go out at once rather than wait for an ACK (TCP_NODELAY)
 * @param timeWaitMillis     how long a connection stays in TIME-WAIT
 * @param maximumSegmentSize the most payload this host takes in a segment: the device's MTU less the headers
 * @param congestionControl  makes the controller of each connection
 */
public record TcpSettings(int receiveBufferSize, int sendBufferSize, boolean noDelay, long timeWaitMillis,
                          int maximumSegmentSize, Supplier<CongestionControl> congestionControl) {
    /** Linux's default {@code tcp_rmem}: 128 KiB. */
    public static final int DEFAULT_RECEIVE_BUFFER = 128 * 1024;
    /** Linux's default {@code tcp_wmem}: 16 KiB, grown by autotuning; this host starts larger. */
    public static final int DEFAULT_SEND_BUFFER = 256 * 1024;
    /** RFC 9293's 2 MSL with Linux's value, 60 s. */
    public static final long DEFAULT_TIME_WAIT_MILLIS = 60_000;
    /** The largest receive buffer: a 30-bit window (RFC 7323 section 2.3). */
    public static final int MAX_RECEIVE_BUFFER = 1 << 30;

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if a size is out of range
     */
    public TcpSettings {
        if (receiveBufferSize <= 0 || receiveBufferSize > MAX_RECEIVE_BUFFER) {
            throw new IllegalArgumentException("receive buffer not within 1.." + MAX_RECEIVE_BUFFER + ": "
                    + receiveBufferSize);
        }
        if (sendBufferSize <= 0) {
            throw new IllegalArgumentException("send buffer not positive: " + sendBufferSize);
        }
        if (timeWaitMillis < 0) {
            throw new IllegalArgumentException("TIME-WAIT negative: " + timeWaitMillis);
        }
        if (maximumSegmentSize < 64 || maximumSegmentSize > 0xffff) {
            throw new IllegalArgumentException("MSS not within 64..65535: " + maximumSegmentSize);
        }
    }

    /**
     * {@return the smallest window shift that lets a 16-bit field announce {@code receiveBufferSize}}
     *
     * @param receiveBufferSize the receive buffer in bytes
     */
    static int windowShiftFor(int receiveBufferSize) {
        int shift = 0;
        while (shift < 14 && receiveBufferSize >>> shift > 0xffff) {
            shift++;
        }
        return shift;
    }
}
