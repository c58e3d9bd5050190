package io.netstack.tap.testing;

import io.netstack.tap.process.NetworkNamespace;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Before a {@link KernelTest} class: checks the capabilities it needs, then moves the test thread into a new network
 * namespace, so every device, address, event loop thread and {@code ip} command the class creates lives there and
 * disappears with it.
 *
 * <p>Without the capabilities the class is skipped with the reason, unless the environment variable
 * {@value #REQUIRE_VARIABLE} (or the system property {@value #REQUIRE_PROPERTY}) is {@code true}, as {@code .ci/run}
 * sets it: there a skip would hide that the kernel was never exercised, so the class fails instead.
 */
public final class PrivateNetworkExtension implements BeforeAllCallback {
    public static final String REQUIRE_VARIABLE = "NETSTACK_REQUIRE_KERNEL";
    public static final String REQUIRE_PROPERTY = "netstack.requireKernel";

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String missing = Capabilities.missing(Capabilities.CAP_NET_ADMIN, Capabilities.CAP_SYS_ADMIN);
        if (missing != null) {
            String reason = context.getDisplayName() + " needs " + missing
                    + " (run the tests as root, e.g. `sudo ./mvnw verify`)";
            if (Boolean.getBoolean(REQUIRE_PROPERTY) || Boolean.parseBoolean(System.getenv(REQUIRE_VARIABLE))) {
                throw new AssertionError(reason + "; " + REQUIRE_VARIABLE + "=true forbids skipping it");
            }
            throw new TestAbortedException(reason);
        }
        Path self = Path.of("/proc/thread-self/ns/net");
        String before = Files.readSymbolicLink(self).toString();
        NetworkNamespace.enterNew();
        String after = Files.readSymbolicLink(self).toString();
        if (before.equals(after)) {
            throw new AssertionError("unshare(CLONE_NEWNET) left the test thread in " + before);
        }
        Ip.run("link", "set", "lo", "up");
    }
}
