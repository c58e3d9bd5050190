package io.netstack.tap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Starts {@link DeviceProbe} in a JVM of another user, with the test's class path copied where that user can read
 * it, from the calling thread (so in its network namespace). The command runs as written, never through a shell
 * with test data in it.
 */
public final class ChildJvm implements AutoCloseable {
    /** The user the probes run as: an ordinary account on these machines. */
    public static final int UID = 1000;

    private final Path root;
    private final Path tmp;
    private final String classPath;

    public ChildJvm() {
        this(entry -> true);
    }

    /** Copies only the class path entries {@code keep} accepts (to leave an optional library out, say). */
    public ChildJvm(Predicate<Path> keep) {
        try {
            root = Files.createTempDirectory("netstack-child", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
            // Netty unpacks its native library into java.io.tmpdir: the child must be able to write there.
            tmp = Files.createDirectory(root.resolve("tmp"));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
            List<String> entries = new ArrayList<>();
            int n = 0;
            for (String entry : System.getProperty("surefire.test.class.path",
                    System.getProperty("java.class.path")).split(java.io.File.pathSeparator)) {
                Path source = Path.of(entry);
                if (!Files.exists(source) || !keep.test(source)) {
                    continue;
                }
                Path target = root.resolve("cp" + n++ + (Files.isDirectory(source) ? "" : ".jar"));
                copy(source, target);
                entries.add(target.toString());
            }
            classPath = String.join(java.io.File.pathSeparator, entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path to = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(path, source.equals(path) ? target : to, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setPosixFilePermissions(source.equals(path) ? target : to,
                        PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** A folder of this child's, readable by everyone, for files the test prepares (a java launcher, say). */
    public Path folder() {
        return root;
    }

    /** The running JDK's {@code java}. */
    public static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    /**
     * The command prefix that runs what follows as {@link #UID} with no capabilities: not in any set, nor able to
     * gain any.
     */
    public static List<String> asUnprivilegedUser() {
        return List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--");
    }

    /**
     * The command prefix that gives what follows a private mount namespace in which {@code /dev/net/tun} is a fresh
     * node of mode 0666, as many distributions ship it; the host's node is never touched.
     */
    public static List<String> withWorldWritableTun() {
        return List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount -t tmpfs -o mode=755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200 && exec \"$@\"",
                "sh");
    }

    /** Runs {@code prefix... java -cp CLASSPATH DeviceProbe TRANSPORT args...}; returns its exit code and output. */
    public Result runProbe(List<String> prefix, String java, Transport transport, String... args) {
        List<String> probeArgs = new ArrayList<>(List.of(transport.name()));
        probeArgs.addAll(List.of(args));
        return run(prefix, java, DeviceProbe.class, probeArgs.toArray(String[]::new));
    }

    /** Runs {@code prefix... java -cp CLASSPATH MAIN args...}; returns its exit code and output. */
    public Result run(List<String> prefix, String java, Class<?> main, String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Dio.netty.machineId=02:00:00:00:00:01",
                "-Djava.io.tmpdir=" + tmp, "-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("probe did not finish: " + output);
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public record Result(int exitCode, String output) {
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
