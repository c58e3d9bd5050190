package io.netstack.examples.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's programs the demos run as child processes, which live in the demo's network namespace. */
public final class Programs {
    private Programs() {
    }

    /** Whether {@code program} is on the PATH. */
    public static boolean isInstalled(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String directory : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }
}
