package io.netstack.tap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2's {@code ip} as an independent observer of the kernel (and, until the control-plane API exists, to
 * set the kernel side up). It runs in the calling thread's network namespace, which a {@link KernelTest} made private.
 */
public final class Ip {
    private Ip() {
    }

    /** Runs {@code ip ARGS...} and returns its standard output; fails the test if it exits non-zero. */
    public static String run(String... args) {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        return exec(command);
    }

    /** Runs another observer (e.g. {@code ethtool}) the same way, in the calling thread's namespace. */
    public static String exec(String... command) {
        return exec(List.of(command));
    }

    private static String exec(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in 10 s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * The {@code /sys/class/net/NAME/ATTRIBUTE} files of a device, read by a child process that mounts a sysfs of
     * its own in a private mount namespace (the host's /sys shows the host's network namespace, not this one).
     */
    public static java.util.Map<String, String> sysfs(String name, String... attributes) {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
                "sh", "-c", "mount -t sysfs sysfs /sys && dir=/sys/class/net/$1 && shift"
                        + " && for a in \"$@\"; do printf '%s=%s\\n' \"$a\" \"$(cat \"$dir/$a\")\"; done",
                "sh", name));
        command.addAll(List.of(attributes));
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (String line : exec(command).split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                values.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        return values;
    }

    /** Whether a link of that name exists in this namespace. */
    public static boolean linkExists(String name) {
        return run("-o", "link", "show").lines()
                .anyMatch(line -> line.matches("\\d+: " + java.util.regex.Pattern.quote(name) + "[:@].*"));
    }

    /** The MAC address of {@code name}, e.g. {@code "02:00:5e:10:00:01"}. */
    public static String macAddress(String name) {
        String output = run("-o", "link", "show", "dev", name);
        int at = output.indexOf("link/ether ");
        if (at < 0) {
            throw new AssertionError("no link/ether in: " + output);
        }
        return output.substring(at + "link/ether ".length()).split(" ")[0];
    }
}
