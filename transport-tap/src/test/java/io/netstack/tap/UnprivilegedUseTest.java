package io.netstack.tap;

import io.netstack.tap.testing.ChildJvm;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channel used by processes without root: a user's JVM on a device root made for it, a user namespace, and a
 * JDK launcher given CAP_NET_ADMIN with setcap. Each runs {@code DeviceProbe} in a child JVM as uid 1000 in this
 * class's network namespace; {@code /dev/net/tun} is made world-writable only inside the child's own mount namespace.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class UnprivilegedUseTest {
    @Parameter
    Transport transport;
    private static ChildJvm child;
    private EventLoopGroup group;
    private final List<String> persistentDevices = new ArrayList<>();

    @BeforeAll
    static void copyClassPath() {
        child = new ChildJvm();
    }

    @AfterAll
    static void deleteClassPath() throws Exception {
        child.close();
    }

    @BeforeEach
    void startLoop() {
        group = transport.newGroup(1);
    }

    @AfterEach
    void deletePersistentDevices() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        for (String name : persistentDevices) {
            Ip.run("link", "del", name);
        }
    }

    /** Root creates a persistent device for {@code uid} once, up, as docs/unprivileged.md shows, and lets go of it. */
    private void createPersistentDevice(String name, int uid) throws InterruptedException {
        new Bootstrap().group(group).channel(TapChannel.class).handler(new ChannelInboundHandlerAdapter())
                .option(TapChannelOption.PERSISTENT, true)
                .option(TapChannelOption.OWNER, uid)
                .option(TapChannelOption.LINK_UP, true)
                .bind(new TapAddress(name)).sync().channel().close().sync();
        persistentDevices.add(name);
    }

    private static List<String> prefix(List<String> first, List<String> then) {
        List<String> prefix = new ArrayList<>(first);
        prefix.addAll(then);
        return prefix;
    }

    @Test
    void theOwnerAttachesWithoutAnyCapability() throws Exception {
        createPersistentDevice("nsuser0", ChildJvm.UID);
        ChildJvm.Result result = child.runProbe(
                prefix(ChildJvm.withWorldWritableTun(), ChildJvm.asUnprivilegedUser()), ChildJvm.java(), transport,
                "attach", "nsuser0");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("OK nsuser0 uid=1000 CapEff:\t0000000000000000"), result.output());
        assertTrue(result.output().contains("written=1"), result.output());
    }

    @Test
    void anotherUserCannotAttach() throws Exception {
        createPersistentDevice("nsuser1", ChildJvm.UID + 1);
        ChildJvm.Result result = child.runProbe(
                prefix(ChildJvm.withWorldWritableTun(), ChildJvm.asUnprivilegedUser()), ChildJvm.java(), transport,
                "attach", "nsuser1");
        assertEquals(3, result.exitCode(), result.output());
        assertTrue(result.output().contains("FAILED EPERM"), result.output());
        assertTrue(result.output().contains("CAP_NET_ADMIN"), result.output());
    }

    @Test
    void aUserNamespaceIsEnough() {
        // uid 1000 maps itself to root of a new user namespace and network namespace of its own, and creates,
        // configures and uses a device there.
        List<String> userNamespace = List.of("unshare", "--user", "--map-root-user", "--net", "--");
        ChildJvm.Result result = child.runProbe(prefix(prefix(ChildJvm.withWorldWritableTun(),
                ChildJvm.asUnprivilegedUser()), userNamespace), ChildJvm.java(), transport, "create", "rootless0");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("OK rootless0"), result.output());
        assertTrue(result.output().matches("(?s).*OK rootless0 .* read=[1-9]\\d* written=1.*"), result.output());
    }

    @Test
    void aProcessThatDropsEveryCapabilityAfterBindKeepsItsDevice() {
        // Started as root; binds, configures, then becomes nobody with no capability in any thread.
        ChildJvm.Result result = child.runProbe(List.of(), ChildJvm.java(), transport, "drop", "nsdrop0");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("OK nsdrop0 uid=65534 CapEff:\t0000000000000000"), result.output());
        assertTrue(result.output().contains("loopCapEff=0 reconfigure=EPERM"), result.output());
        assertTrue(result.output().matches("(?s).* read=[1-9]\\d* written=1 .*"), result.output());
    }

    @Test
    void setcapOnACopyOfTheJavaLauncherIsEnough() throws Exception {
        Assumptions.assumeTrue(onPath("patchelf") && onPath("setcap"),
                "needs patchelf and setcap (the README's test command installs them: scripts/test-tools.sh)");
        Path javaHome = Path.of(ChildJvm.java()).getParent().getParent();
        Path bin = Files.createDirectories(child.folder().resolve("jdk-" + transport + "/bin"));
        Path launcher = bin.resolve("java");
        Files.copy(javaHome.resolve("bin/java"), launcher);
        // A binary with file capabilities runs in secure-execution mode, where the loader ignores the launcher's
        // $ORIGIN-relative library path: point it at the JDK's lib folder by absolute path instead.
        run("patchelf", "--set-rpath", javaHome.resolve("lib").toString(), launcher.toString());
        run("setcap", "cap_net_admin=eip", launcher.toString());

        List<String> asUser = List.of("setpriv", "--reuid=" + ChildJvm.UID, "--regid=" + ChildJvm.UID,
                "--clear-groups", "--");
        ChildJvm.Result result = child.runProbe(prefix(ChildJvm.withWorldWritableTun(), asUser),
                launcher.toString(), transport, "create", "setcap0");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("OK setcap0 uid=1000 CapEff:\t0000000000001000"), result.output());
        assertTrue(!Ip.linkExists("setcap0"), "the probe's device went with its fd");
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
    }
}
