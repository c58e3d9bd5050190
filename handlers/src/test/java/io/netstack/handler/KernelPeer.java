package io.netstack.handler;

import io.netstack.tap.testing.Command;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel as the peer of a host under test: its {@code ping} and its UDP sockets, in the test's namespace. */
final class KernelPeer {
    /** The largest UDP payload in one packet at the default MTU of 1500: 1500 - 20 (IPv4) - 8 (UDP). */
    static final int MAX_UDP_PAYLOAD = 1472;

    private KernelPeer() {
    }

    /**
     * Runs the kernel's {@code ping}; it exits 0 as long as some replies came back, so its report is what tells a
     * loss.
     *
     * @return ping's report
     */
    static String ping(String address, int count, String interval) {
        return Command.run(Duration.ofSeconds(60), List.of("ping", "-n", "-q", "-c", String.valueOf(count),
                "-i", interval, "-W", "1", "-w", "50", address));
    }

    /**
     * A short conversation for a capture to hold: the kernel pings the host 3 times, then has its echo service echo
     * datagrams of 0, 1, 100 and {@link #MAX_UDP_PAYLOAD} bytes.
     */
    static void pingAndEchoFourDatagrams(String kernelAddress, String hostAddress, int echoPort) throws IOException {
        ping(hostAddress, 3, "0.05");
        try (UdpSocket socket = new UdpSocket(kernelAddress, hostAddress, echoPort)) {
            for (int size : new int[] {0, 1, 100, MAX_UDP_PAYLOAD}) {
                socket.echo(new byte[size]);
            }
        }
    }

    /**
     * Has the kernel send the host's echo service 1000 datagrams, one at a time, of sizes spread evenly from 0 to
     * {@code maxPayload} bytes and random content, and checks that each comes back byte-identical from the port it
     * was sent to, all within 30 s.
     *
     * @return how many datagrams came back
     */
    static int echoDatagramsOfEverySize(String kernelAddress, String hostAddress, int echoPort, int maxPayload)
            throws IOException {
        int datagrams = 1000;
        Random random = new Random(862);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (UdpSocket socket = new UdpSocket(kernelAddress, hostAddress, echoPort)) {
            for (int i = 0; i < datagrams; i++) {
                byte[] payload = new byte[i * maxPayload / (datagrams - 1)];
                random.nextBytes(payload);
                DatagramPacket echo = socket.echo(payload);
                assertEquals(new InetSocketAddress(InetAddress.ofLiteral(hostAddress), echoPort),
                        echo.getSocketAddress());
                assertArrayEquals(payload, Arrays.copyOfRange(echo.getData(), 0, echo.getLength()),
                        "datagram " + i + " of " + payload.length + " bytes");
                assertTrue(System.nanoTime() < deadline, "1000 round trips take more than 30 s");
            }
        }
        return datagrams;
    }

    /**
     * A UDP socket of the kernel's, bound to its side of the device. It is not connected, because a connected
     * DatagramSocket of the JDK silently sends nothing for an empty payload.
     */
    static final class UdpSocket implements AutoCloseable {
        private final DatagramSocket socket;
        private final InetSocketAddress host;

        UdpSocket(String kernelAddress, String hostAddress, int hostPort) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(kernelAddress), 0));
            socket.setSoTimeout(5000);
            host = new InetSocketAddress(InetAddress.ofLiteral(hostAddress), hostPort);
        }

        /** Sends {@code payload} to the host's port. */
        void send(byte[] payload) throws IOException {
            socket.send(new DatagramPacket(payload, payload.length, host));
        }

        /** Sends {@code payload} to the host's port; returns the next datagram to arrive, or fails after 5 s. */
        DatagramPacket echo(byte[] payload) throws IOException {
            send(payload);
            DatagramPacket received = new DatagramPacket(new byte[MAX_UDP_PAYLOAD + 1], MAX_UDP_PAYLOAD + 1);
            socket.receive(received);
            return received;
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
