package io.netstack.handler.fault;

import io.netstack.handler.HostDevice;
import io.netstack.handler.UserspaceHost;
import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.TapChannelOption;
import io.netstack.tap.testing.Command;
import io.netstack.tap.testing.Ip;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link UserspaceHost} on a TAP device behind a {@link FaultInjector} that drops inbound frames: the kernel's
 * {@code ping} must lose exactly the echo requests the injector counts as dropped.
 *
 * <p>For the counts to be the pings alone, the kernel sends nothing else: IPv6 is off on the device from its
 * creation (no router or neighbour solicitations), and the host's MAC is a permanent entry of the kernel's neighbour
 * table and the kernel's a permanent entry of the host's (no ARP either way). Otherwise a dropped ARP request or
 * reply would delay or lose pings the injector never saw as echo requests.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class FaultInjectorKernelTest {
    private static final String DEVICE = "nsfault0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";
    private static final double DROP_RATE = 0.05;
    private static final Pattern PING_SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

    @Parameter
    Transport transport;
    private FaultInjector faults;
    private UserspaceHost host;
    private HostDevice device;
    private TapChannel channel;

    @BeforeEach
    void startHost() throws InterruptedException, IOException {
        faults = FaultInjector.builder().seed(1804)
                .inbound(FaultSettings.builder().dropRate(DROP_RATE).build()).build();
        host = UserspaceHost.builder(MacAddress.parse(HOST_MAC)).address(Ipv4Address.parse(HOST_IP))
                .faults(faults).build();
        // The namespace's default, for the device to have IPv6 off from its creation on.
        Files.writeString(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1");
        device = HostDevice.bind(transport, host, new TapAddress(DEVICE), KERNEL_IP + "/24");
        channel = device.channel();
        Ip.run("neigh", "replace", HOST_IP, "lladdr", HOST_MAC, "dev", DEVICE, "nud", "permanent");
        MacAddress kernelMac = channel.config().getOption(TapChannelOption.MAC_ADDRESS);
        channel.eventLoop().submit(() -> host.arp().neighbours()
                .put(Ipv4Address.parse(KERNEL_IP).value(), kernelMac.value())).sync();
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
    }

    @Test
    void pingLosesExactlyTheEchoRequestsTheInjectorDropped() {
        Command.assumeInstalled("ping", "iputils-ping");
        int count = 1000;
        // Without -w, ping exits 0 as long as some replies came back.
        String report = Command.run(Duration.ofSeconds(60), List.of("ping", "-n", "-q", "-c", String.valueOf(count),
                "-i", "0.002", "-W", "1", HOST_IP));
        Matcher summary = PING_SUMMARY.matcher(report);
        assertTrue(summary.find(), report);
        int transmitted = Integer.parseInt(summary.group(1));
        int received = Integer.parseInt(summary.group(2));

        FaultCounters inbound = faults.inbound();
        String context = report + "\n" + host.summary();
        assertEquals(count, transmitted, context);
        assertEquals(transmitted, inbound.framesSeen(), "the echo requests were all the kernel sent: " + context);
        assertEquals(transmitted - received, inbound.dropped(), context);
        assertEquals(received, host.icmpEcho().repliesSent(), context);
        double sigma = Math.sqrt(count * DROP_RATE * (1 - DROP_RATE));
        assertTrue(Math.abs(inbound.dropped() - count * DROP_RATE) <= 5 * sigma, context);
        assertEquals(0, faults.outbound().lost(), context);
    }
}
