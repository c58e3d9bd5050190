package io.netstack.tap;

import io.netstack.wire.LinkLayer;
import io.netstack.tap.linux.Errno;
import io.netstack.tap.linux.TunTapDevice;
import io.netstack.tap.linux.TunTapFlag;
import io.netstack.tap.testing.Capabilities;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EPERM without CAP_NET_ADMIN. Capabilities belong to threads, so a thread that drops CAP_NET_ADMIN from its effective
 * set stands in for an unprivileged process, while the rest of the test JVM keeps its own.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class PermissionTest {
    @Parameter
    Transport transport;

    @Test
    void openingWithoutCapNetAdminFailsWithEpermAndAdvice() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread unprivileged = new Thread(() -> {
            Capabilities.dropEffective(Capabilities.CAP_NET_ADMIN);
            try (TunTapDevice device = TunTapDevice.open("nsperm0", LinkLayer.ETHERNET, EnumSet.of(TunTapFlag.EXCLUSIVE))) {
                outcome.complete(new AssertionError("opened " + device + " without CAP_NET_ADMIN"));
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        unprivileged.start();
        TunTapException e = assertInstanceOf(TunTapException.class, outcome.get(10, TimeUnit.SECONDS));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.operation().startsWith("TUNSETIFF"), e.operation());
        assertTrue(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
        assertFalse(Ip.linkExists("nsperm0"));
    }

    @Test
    void aChannelOnAnUnprivilegedLoopFailsToBindAndLeavesNoDevice() throws Exception {
        ThreadFactory dropping = task -> new Thread(() -> {
            Capabilities.dropEffective(Capabilities.CAP_NET_ADMIN);
            task.run();
        }, "unprivileged-loop");
        EventLoopGroup group = transport.newGroup(1, dropping);
        try {
            ChannelFuture bind = new Bootstrap().group(group).channel(TapChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).bind(new TapAddress("nsperm1")).await();
            TunTapException e = assertInstanceOf(TunTapException.class, bind.cause());
            assertEquals(Errno.EPERM, e.errno());
            assertEquals("nsperm1", e.deviceName());
            assertTrue(bind.channel().closeFuture().await(5, TimeUnit.SECONDS), "a channel whose bind failed closes");
            assertFalse(Ip.linkExists("nsperm1"));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
