package io.netstack.tap.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program of the system ({@code ip}, {@code ping}, {@code tshark}) as an observer or a peer of the code under
 * test. A child process lives in the network namespace of the thread that starts it, which a {@link KernelTest}
 * made private.
 */
public final class Command {
    private Command() {
    }

    /**
     * Runs {@code command} and returns its standard output.
     *
     * @throws AssertionError if it does not finish within {@code timeout} (it is killed) or exits non-zero; the
     *                        message holds its output and error output
     */
    public static String run(Duration timeout, List<String> command) {
        String line = String.join(" ", command);
        try {
            Process process = new ProcessBuilder(command).start();
            // Both pipes are drained at once, so that a full one cannot stall the program.
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(line + " did not finish within " + timeout);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(line + " exited " + process.exitValue() + ": " + output.join()
                        + errors.join());
            }
            return output.join();
        } catch (IOException e) {
            throw new UncheckedIOException(line, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Skips the calling test unless {@code program} is on the PATH. The README's test command ({@code ./mvnw verify})
     * installs every program the tests use through {@code scripts/test-tools.sh}, and {@code .ci/run} forbids skipped
     * tests, so there a missing program fails CI.
     */
    public static void assumeInstalled(String program, String debianPackage) {
        Assumptions.assumeTrue(isInstalled(program), () -> program + " is not installed (apt-get install "
                + debianPackage + "; the README's test command installs it through scripts/test-tools.sh)");
    }

    private static boolean isInstalled(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String directory : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }
}
