package io.netstack.examples.modular;

import io.netstack.tap.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link UdpEcho} as an application on the module path, as a user would: every runtime dependency Maven
 * resolved plus this module, no {@code --add-modules}, and no JVM flag beyond native access (Netty's JNI, the
 * channel's FFM) and a fixed Netty machine id. The module graph comes from the descriptors alone, so a missing
 * {@code requires} or {@code exports}, or a class the application does not have (io_uring's), fails here.
 */
@KernelTest
class UdpEchoTest {
    @Test
    void runsOnTheModulePath() throws Exception {
        String modulePath = System.getProperty("modular.dependencies") + File.pathSeparator
                + System.getProperty("modular.module");
        // The JDK that runs the tests: the one the toolchains plugin selected.
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = List.of(java,
                "--enable-native-access=io.netty.common,io.netstack.tap", "-Dio.netty.machineId=02:00:00:00:00:01",
                "--module-path", modulePath, "-m", "io.netstack.examples.modular/" + UdpEcho.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        assertTrue(output.contains("echo from the userspace host at 192.0.2.2 on tap0 (epoll): hello from the module"
                + " path"), output);
    }
}
