package io.netstack.examples.support;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's HTTP client: {@code curl} run as a child process, whose TCP connection is the kernel's own and starts
 * in the demo's network namespace.
 */
public final class Curl {
    private static final int MAX_SECONDS = 10;

    /** What curl did: its exit code (0 for a 2xx response) and the body it printed. */
    public record Result(int exitCode, byte[] body) {
    }

    private Curl() {
    }

    /** Whether a {@code curl} is on the PATH. */
    public static boolean isInstalled() {
        return Programs.isInstalled("curl");
    }

    /**
     * GETs {@code url} ({@code http://[2001:db8::2]/} for IPv6: globbing is off), failing on an HTTP error status
     * and after {@value #MAX_SECONDS} seconds; curl's error messages go to this process's error output.
     */
    public static Result get(String url) throws IOException, InterruptedException {
        Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--fail", "--globoff",
                "--max-time", String.valueOf(MAX_SECONDS), url)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] body = curl.getInputStream().readAllBytes();
        if (!curl.waitFor(MAX_SECONDS + 5, TimeUnit.SECONDS)) {
            curl.destroyForcibly();
            throw new IOException("curl " + url + " did not finish within " + (MAX_SECONDS + 5) + " s");
        }
        return new Result(curl.exitValue(), body);
    }
}
