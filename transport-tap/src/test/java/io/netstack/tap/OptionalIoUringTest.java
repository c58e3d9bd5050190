package io.netstack.tap;

import io.netstack.tap.testing.ChildJvm;
import io.netstack.tap.testing.EpollOnlyProbe;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's io_uring is an optional dependency: an epoll-only application, whose class path has no io_uring jar,
 * binds, reads, writes and closes a channel, and learns why io_uring is unavailable instead of failing on a missing
 * class.
 */
@KernelTest
class OptionalIoUringTest {
    @Test
    void anEpollChannelWorksWithoutNettysIoUringClasses() throws Exception {
        try (ChildJvm child = new ChildJvm(entry -> !entry.getFileName().toString().contains("io_uring"))) {
            ChildJvm.Result result = child.run(List.of(), ChildJvm.java(), EpollOnlyProbe.class, "nsepollonly0");
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("OK ioUringAvailable=false cause=java.lang.ClassNotFoundException"),
                    result.output());
        }
        assertFalse(Ip.linkExists("nsepollonly0"));
    }
}
