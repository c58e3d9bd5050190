package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's many connections: a thousand kernel sockets connected to the host's echo service at once, each then
 * echoing data and closing, leave no connection behind once TIME-WAIT (100 ms here) passed, and no buffer leaked
 * (the leak detector runs at PARANOID); a loop of connections opened, used and closed one after the other keeps the
 * connection table empty and the heap after GC flat. The acceptance loops 10,000 times; this test
 * loops {@value #CYCLES} times on each event loop (10,000 took 17 to 35 s each on a busy 2-core machine), enough for
 * a connection's leftover state to show against the heap's noise.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class TcpManyConnectionsKernelTest {
    private static final String DEVICE = "nsmany0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final int ECHO_PORT = 7;
    private static final int CONCURRENT = 1000;
    private static final int CYCLES = 3000;
    private static final int WARM_UP_CYCLES = 500;
    /** What the heap after GC may grow by over the cycles after the warm-up: far less than they would leak. */
    private static final long HEAP_GROWTH_LIMIT = 8 << 20;

    @Parameter
    Transport transport;
    private HostDevice device;
    private UserspaceHost host;

    @BeforeEach
    void startHost() throws InterruptedException {
        host = UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02"))
                .address(Ipv4Address.parse(HOST_IP))
                .tcpService(ECHO_PORT, new TcpServiceKernelTest.Echo())
                .tcpTimeWaitMillis(100)
                .build();
        device = HostDevice.bind(transport, host, new TapAddress(DEVICE), KERNEL_IP + "/24");
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void aThousandConcurrentConnectionsLeaveNothingBehind() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CONCURRENT; i++) {
                sockets.add(connect());
            }
            assertEquals(CONCURRENT, onLoop(() -> host.tcp().connections().size()), host::summary);
            for (int i = 0; i < CONCURRENT; i++) {
                sockets.get(i).getOutputStream().write(message(i, 1000));
            }
            for (int i = 0; i < CONCURRENT; i++) {
                byte[] expected = message(i, 1000);
                assertArrayEquals(expected, sockets.get(i).getInputStream().readNBytes(expected.length),
                        "connection " + i);
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        awaitNoConnections();
        assertEquals(CONCURRENT * 1000L, onLoop(() -> host.tcp().connections().closedConnectionCounters()
                .bytesReceived()), host::summary);
    }

    @Test
    void openingAndClosingConnectionsKeepsTableAndHeapFlat() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heapAfterWarmUp = 0;
        for (int i = 0; i < CYCLES; i++) {
            if (i == WARM_UP_CYCLES) {
                awaitNoConnections();
                heapAfterWarmUp = heapAfterGc(memory);
            }
            try (Socket socket = connect()) {
                byte[] expected = message(i, 100);
                socket.getOutputStream().write(expected);
                assertArrayEquals(expected, socket.getInputStream().readNBytes(expected.length), "cycle " + i);
            }
        }
        awaitNoConnections();
        long growth = heapAfterGc(memory) - heapAfterWarmUp;
        assertTrue(growth < HEAP_GROWTH_LIMIT, () -> "the heap after GC grew by " + growth + " bytes over "
                + (CYCLES - WARM_UP_CYCLES) + " connections");
        assertEquals(CYCLES * 100L, onLoop(() -> host.tcp().connections().closedConnectionCounters()
                .bytesReceived()), host::summary);
    }

    private static long heapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(HOST_IP, ECHO_PORT), 5000);
            socket.setSoTimeout(10_000);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static byte[] message(int connection, int length) {
        byte[] message = new byte[length];
        Arrays.fill(message, (byte) connection);
        return message;
    }

    /** Waits until the host's connection table is empty, TIME-WAIT and the last ACKs passed. */
    private void awaitNoConnections() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (onLoop(() -> host.tcp().connections().size()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, onLoop(() -> host.tcp().connections().size()), host::summary);
        assertEquals(0, onLoop(() -> host.tcp().connections().halfOpen()), host::summary);
    }

    private <T> T onLoop(Supplier<T> what) throws Exception {
        return device.channel().eventLoop().submit(what::get).get(10, TimeUnit.SECONDS);
    }
}
