package io.netstack.tap.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs iproute2's {@code ip} as an independent observer of the kernel (and, until the control-plane API exists, to
 * set the kernel side up). It runs in the calling thread's network namespace, which a {@link KernelTest} made private.
 */
public final class Ip {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Ip() {
    }

    /** Runs {@code ip ARGS...} and returns its standard output; fails the test if it exits non-zero. */
    public static String run(String... args) {
        return exec(prepend("ip", args));
    }

    /** Runs iproute2's {@code tc ARGS...} (traffic control) the same way. */
    public static String tc(String... args) {
        return exec(prepend("tc", args));
    }

    private static List<String> prepend(String program, String... args) {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add(program);
        command.addAll(List.of(args));
        return command;
    }

    /** Runs another observer (e.g. {@code ethtool}) the same way, in the calling thread's namespace. */
    public static String exec(String... command) {
        return exec(List.of(command));
    }

    private static String exec(List<String> command) {
        return Command.run(TIMEOUT, command);
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
