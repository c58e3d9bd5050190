package io.netstack.examples.support;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * A UDP socket of the kernel's, on its side of the TAP device, that sends datagrams to a port of the userspace host
 * and waits for what comes back: the demos' way to make the kernel talk UDP to the host.
 */
public final class KernelUdpSocket implements AutoCloseable {
    /** What came back for one datagram. */
    public enum Echo {
        /** The same bytes, from the address and port they were sent to. */
        IDENTICAL,
        /** A datagram, but not the same bytes or from elsewhere (e.g. a late echo of an earlier one). */
        DIFFERENT,
        /** Nothing within the timeout. */
        NONE
    }

    private final DatagramSocket socket;
    private final InetSocketAddress remote;
    private final DatagramPacket received = new DatagramPacket(new byte[65_535], 65_535);
    private long lastRoundTripNanos;

    /**
     * A socket bound to {@code localIp} that sends to {@code remoteIp:port} and waits {@code timeoutMillis} for
     * answers. It is not connected: a connected DatagramSocket of the JDK silently sends nothing for an empty
     * payload, while an unconnected one sends the empty datagram.
     */
    public KernelUdpSocket(String localIp, String remoteIp, int port, int timeoutMillis) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(localIp), 0));
        remote = new InetSocketAddress(InetAddress.ofLiteral(remoteIp), port);
        socket.setSoTimeout(timeoutMillis);
    }

    /** Sends {@code payload} and waits for one datagram back; see {@link #lastRoundTripNanos()}. */
    public Echo echo(byte[] payload) throws IOException {
        long sent = System.nanoTime();
        socket.send(new DatagramPacket(payload, payload.length, remote));
        try {
            received.setLength(received.getData().length);
            socket.receive(received);
        } catch (SocketTimeoutException e) {
            return Echo.NONE;
        }
        lastRoundTripNanos = System.nanoTime() - sent;
        return remote.equals(received.getSocketAddress()) && Arrays.equals(payload, 0, payload.length,
                received.getData(), received.getOffset(), received.getOffset() + received.getLength())
                ? Echo.IDENTICAL : Echo.DIFFERENT;
    }

    /** The time from sending to receiving of the last {@link #echo} that got an answer. */
    public long lastRoundTripNanos() {
        return lastRoundTripNanos;
    }

    @Override
    public void close() {
        socket.close();
    }
}
