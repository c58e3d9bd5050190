package io.netstack.tap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The process's open file descriptors, as {@code /proc/self/fd} lists them. */
public final class OpenFiles {
    private static final Path TUN = Path.of("/dev/net/tun");

    private OpenFiles() {
    }

    /** All of them (the JVM opens some lazily: warm up before comparing counts). */
    public static long count() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Those open on {@code /dev/net/tun}: one per TapChannel (one per queue) that holds a device. */
    public static long tun() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(TUN);
                } catch (IOException e) {
                    return false; // closed since it was listed (the listing's own fd, say)
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
