package io.netstack.tap;

import io.netstack.wire.CidrAddress;
import io.netstack.tap.linux.Errno;
import io.netstack.tap.testing.FrameQueue;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.TestFrames;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.netstack.tap.testing.TestFrames.ipv4;
import static io.netstack.tap.testing.TestFrames.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The link is set down from outside, then up again: the channel stays open through it; reads pause, each write fails
 * alone with the kernel's EIO, and both resume once the link is back.
 */
@KernelTest
class LinkDownTest {
    private static final String NAME = "nsdown0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final String HOST_MAC = "02:00:5e:10:00:02";

    private final FrameQueue frames = new FrameQueue();
    private EventLoopGroup group;

    @AfterEach
    void stopLoop() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        frames.clear();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void readsPauseAndWritesFailAloneWhileDownThenBothResume(Transport transport) throws Exception {
        group = transport.newGroup(1);
        TapChannel channel = (TapChannel) new Bootstrap().group(group).channel(TapChannel.class).handler(frames)
                .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse(KERNEL_IP + "/24")))
                .option(TapChannelOption.LINK_UP, true)
                .bind(new TapAddress(NAME)).sync().channel();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(KERNEL_IP, 0))) {
            socket.setSoTimeout(5000);
            assertReadsAndWrites(channel, socket);

            Ip.run("link", "set", NAME, "down");
            frames.clear();
            assertNull(frames.poll(300, TimeUnit.MILLISECONDS), "nothing is read while the link is down");
            ChannelFuture refused = channel.writeAndFlush(udpFrame(socket)).await();
            TunTapException e = assertInstanceOf(TunTapException.class, refused.cause());
            assertEquals(Errno.EIO, e.errno(), e.getMessage());
            assertEquals(NAME, e.deviceName(), e.getMessage());
            assertTrue(e.getMessage().contains("link of " + NAME + " is down") && e.getMessage().contains("LINK_UP"),
                    e.getMessage());
            assertEquals(1, channel.metrics().writeErrors());
            assertTrue(channel.isActive(), "the channel stays open while the link is down");

            Ip.run("link", "set", NAME, "up");
            assertReadsAndWrites(channel, socket);
            assertEquals(1, channel.metrics().writeErrors());
        }
    }

    /** The kernel's ARP request is read, and a datagram written reaches a kernel socket. */
    private void assertReadsAndWrites(TapChannel channel, DatagramSocket socket) throws Exception {
        // The kernel resolves 192.0.2.2 before it can send to it: it broadcasts an ARP request out of the device.
        socket.send(new DatagramPacket(new byte[1], 1, InetAddress.getByName(HOST_IP), 9));
        frames.await(f -> TestFrames.etherType(f) == TestFrames.ETHERTYPE_ARP, 5, TimeUnit.SECONDS).release();

        channel.writeAndFlush(udpFrame(socket)).sync();
        DatagramPacket received = new DatagramPacket(new byte[100], 100);
        socket.receive(received);
        assertEquals("hello", new String(received.getData(), 0, received.getLength(), StandardCharsets.US_ASCII));
    }

    private static ByteBuf udpFrame(DatagramSocket socket) throws Exception {
        return TestFrames.udpFrame(Unpooled.directBuffer(), mac(HOST_MAC), mac(Ip.macAddress(NAME)), ipv4(HOST_IP),
                ipv4(KERNEL_IP), 40000, socket.getLocalPort(), "hello".getBytes(StandardCharsets.US_ASCII));
    }
}
