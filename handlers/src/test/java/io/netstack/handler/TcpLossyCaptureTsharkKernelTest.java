package io.netstack.handler;

import io.netstack.handler.fault.FaultInjector;
import io.netstack.handler.fault.FaultSettings;
import io.netstack.tap.TapAddress;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's capture check: the host's pcap file of a lossy transfer ({@value #MIB} MiB each way at 2 % loss,
 * 1 % duplication and reordering, small enough for tshark to read quickly) has no malformed packet in tshark's
 * reading, and every IPv4 header and TCP segment the host sent, retransmissions included, has a checksum tshark
 * validates as good. Only on epoll: what is captured does not depend on the event loop.
 */
@KernelTest
class TcpLossyCaptureTsharkKernelTest {
    private static final String DEVICE = "nscap0";
    private static final int MIB = 4;

    @TempDir
    Path directory;

    @Test
    void tsharkFindsNothingMalformedAndTheHostsChecksumsGood() throws Exception {
        Command.assumeInstalled("tshark", "tshark");
        Path pcap = directory.resolve("lossy.pcap");
        FaultSettings link = FaultSettings.builder().dropRate(0.02).duplicateRate(0.01)
                .reorder(0.01, 3, Duration.ofMillis(5)).build();
        TcpTransfers transfers = new TcpTransfers(TcpTransfers.hostBuilder().pcap(pcap)
                .faults(FaultInjector.builder().seed(4).inbound(link).outbound(link).build()), MIB << 20);
        long segmentsSent;
        try (HostDevice device = HostDevice.bind(Transport.EPOLL, transfers.host(), new TapAddress(DEVICE),
                TcpTransfers.KERNEL_IP + "/24")) {
            transfers.device(device);
            assertArrayEquals(transfers.expectedDigest(), transfers.kernelSendsToSink(), transfers::summary);
            assertArrayEquals(transfers.expectedDigest(), transfers.kernelReadsFromSource(), transfers::summary);
            segmentsSent = transfers.onLoop(() -> transfers.host().tcp().segmentsSent());
            assertTrue(transfers.closedCounters().retransmissions() > 0, transfers::summary);
        } // closing the device closes the pcap file

        assertEquals("", tshark(pcap, "_ws.malformed || _ws.expert.severity == error"),
                "tshark's malformed packets and errors");
        List<String> fromHost = tshark(pcap, "ip.src == " + TcpTransfers.HOST_IP + " && tcp",
                "ip.checksum.status", "tcp.checksum.status").lines().toList();
        // The outbound frames the injector dropped are not in the capture, and its duplicates are twice.
        assertTrue(fromHost.size() > segmentsSent * 9 / 10, fromHost.size() + " of " + segmentsSent);
        // 1 is "Good" for both fields.
        assertEquals(List.of(), fromHost.stream().filter(line -> !line.equals("1\t1")).toList(),
                "segments of the host's whose checksums tshark does not find good");
    }

    /** {@return the lines tshark prints for the frames matching {@code filter}: the fields, or its summary} */
    private static String tshark(Path pcap, String filter, String... fields) {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString(),
                "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-Y", filter));
        if (fields.length > 0) {
            command.addAll(List.of("-T", "fields"));
            for (String field : fields) {
                command.addAll(List.of("-e", field));
            }
        }
        return Command.run(Duration.ofSeconds(60), command);
    }
}
