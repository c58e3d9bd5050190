package io.netstack.tap;

import io.netstack.wire.MacAddress;

import io.netstack.wire.CidrAddress;
import io.netstack.tap.linux.Errno;
import io.netstack.tap.testing.Binding;
import io.netstack.tap.testing.Ip;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device options set through the channel and observed with {@code ip}, and the other way round. */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class DeviceConfigTest {
    @Parameter
    Transport transport;
    private EventLoopGroup group;
    private final List<TapChannel> channels = new ArrayList<>();

    @BeforeEach
    void startLoop() {
        group = transport.newGroup(1);
    }

    @AfterEach
    void closeChannels() throws InterruptedException {
        for (TapChannel channel : channels) {
            channel.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private Bootstrap bootstrap() {
        // The pipeline's tail releases whatever the kernel sends.
        return new Bootstrap().group(group).channel(TapChannel.class).handler(new ChannelInboundHandlerAdapter());
    }

    private TapChannel bind(Bootstrap bootstrap, TapAddress address) throws InterruptedException {
        return Binding.bindOrFail(bootstrap, address, channels);
    }

    /** Binds expecting failure; returns the cause after the channel has closed. */
    private Throwable bindFails(Bootstrap bootstrap, TapAddress address) throws InterruptedException {
        ChannelFuture bound = bootstrap.bind(address).await();
        assertFalse(bound.isSuccess(), "bind " + address + " should fail");
        assertTrue(bound.channel().closeFuture().await(5, TimeUnit.SECONDS));
        return bound.cause();
    }

    @Test
    void everyOptionIsAppliedAtBindAsIpShowsIt() throws Exception {
        TapChannel channel = bind(bootstrap()
                .option(TapChannelOption.MTU, 9000)
                .option(TapChannelOption.MAC_ADDRESS, MacAddress.parse("02:00:5e:10:00:01"))
                .option(TapChannelOption.TX_QUEUE_LENGTH, 500)
                .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse("192.0.2.1/24"),
                        CidrAddress.parse("2001:db8::1/64")))
                .option(TapChannelOption.LINK_UP, true), new TapAddress("tap7"));

        String link = Ip.run("-d", "-j", "link", "show", "tap7");
        assertTrue(link.contains("\"mtu\":9000"), link);
        assertTrue(link.contains("\"address\":\"02:00:5e:10:00:01\""), link);
        assertTrue(link.contains("\"txqlen\":500"), link);
        assertTrue(link.contains("\"UP\""), link);
        assertTrue(link.contains("\"type\":\"tap\""), link);
        String addresses = Ip.run("-j", "addr", "show", "tap7");
        assertTrue(addresses.contains("\"local\":\"192.0.2.1\",\"prefixlen\":24"), addresses);
        assertTrue(addresses.contains("\"local\":\"2001:db8::1\",\"prefixlen\":64"), addresses);

        Map<String, String> sysfs = Ip.sysfs("tap7", "mtu", "address", "tx_queue_len", "operstate", "flags",
                "tun_flags", "owner", "group");
        assertEquals("9000", sysfs.get("mtu"), sysfs.toString());
        assertEquals("02:00:5e:10:00:01", sysfs.get("address"), sysfs.toString());
        assertEquals("500", sysfs.get("tx_queue_len"), sysfs.toString());
        assertEquals(1, Integer.decode(sysfs.get("flags")) & 1, "IFF_UP in " + sysfs);
        // IFF_TAP | IFF_NO_PI; the kernel does not keep IFF_TUN_EXCL once the device exists.
        assertEquals(0x1002, Integer.decode(sysfs.get("tun_flags")), sysfs.toString());
        assertEquals("-1", sysfs.get("owner"), sysfs.toString());
        assertEquals("-1", sysfs.get("group"), sysfs.toString());

        // The same values read back through the API.
        assertEquals(9000, channel.config().getMtu());
        assertEquals(9000 + 18, channel.config().getMaxFrameLength(), "read buffers follow the MTU");
        assertEquals(MacAddress.parse("02:00:5e:10:00:01"), channel.config().getMacAddress());
        assertEquals(500, channel.config().getTxQueueLength());
        assertTrue(channel.config().isLinkUp());
        assertTrue(channel.config().getAddresses().contains(CidrAddress.parse("2001:db8::1/64")));
    }

    @Test
    void kernelSocketsCanBindToTheAddressesAtOnce() throws Exception {
        bind(bootstrap()
                .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse("192.0.2.1/24"),
                        CidrAddress.parse("2001:db8::1/64")))
                .option(TapChannelOption.LINK_UP, true), new TapAddress("nsaddr0"));
        for (String address : new String[] {"192.0.2.1", "2001:db8::1"}) {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(address), 0))) {
                assertEquals(InetAddress.ofLiteral(address), socket.getLocalAddress());
            }
        }
    }

    @Test
    void changesMadeFromOutsideAreWhatTheGettersSee() throws Exception {
        TapChannel channel = bind(bootstrap(), new TapAddress("nsout0"));
        Ip.run("link", "set", "nsout0", "mtu", "1400", "address", "02:00:5e:10:00:07", "txqueuelen", "42", "up");
        Ip.run("addr", "add", "198.51.100.1/25", "dev", "nsout0");
        assertEquals(1400, channel.config().getMtu());
        assertEquals(1400 + 18, channel.config().getMaxFrameLength());
        assertEquals(MacAddress.parse("02:00:5e:10:00:07"), channel.config().getMacAddress());
        assertEquals(42, channel.config().getTxQueueLength());
        assertTrue(channel.config().isLinkUp());
        assertTrue(channel.config().getAddresses().contains(CidrAddress.parse("198.51.100.1/25")));
        assertEquals(Boolean.FALSE, channel.config().isPersistent());
    }

    @Test
    void settersApplyAtOnceToABoundChannel() throws Exception {
        TapChannel channel = bind(bootstrap(), new TapAddress("nsset0"));
        channel.config().setMtu(2000).setLinkUp(true).setCarrier(false);
        String link = Ip.run("-j", "link", "show", "nsset0");
        assertTrue(link.contains("\"mtu\":2000"), link);
        assertTrue(link.contains("NO-CARRIER"), link);
        assertEquals(Boolean.FALSE, channel.config().isCarrier());
        channel.config().setCarrier(true);
        assertEquals(Boolean.TRUE, channel.config().isCarrier());
        assertFalse(Ip.run("-j", "link", "show", "nsset0").contains("NO-CARRIER"));
    }

    @Test
    void aPersistentDeviceOutlivesItsChannelAndCanBeAttachedAndDeleted() throws Exception {
        TapChannel first = bind(bootstrap().option(TapChannelOption.PERSISTENT, true), new TapAddress("nskeep0"));
        assertTrue(Ip.run("-d", "-j", "link", "show", "nskeep0").contains("\"persist\":true"));
        first.close().sync();
        assertTrue(Ip.linkExists("nskeep0"), "a persistent device survives its channel");

        // Exclusive creation refuses it; attaching on purpose works.
        TunTapException busy = assertInstanceOf(TunTapException.class,
                bindFails(bootstrap(), new TapAddress("nskeep0")));
        assertEquals(Errno.EBUSY, busy.errno());
        TapChannel second = bind(bootstrap().option(TapChannelOption.EXCLUSIVE, false), new TapAddress("nskeep0"));
        assertTrue(second.config().isPersistent());

        second.config().setPersistent(false);
        second.close().sync();
        assertFalse(Ip.linkExists("nskeep0"), "no longer persistent: gone with its last fd");
    }

    @Test
    void ownerAndGroupAreSetOnAPersistentDevice() throws Exception {
        TapChannel channel = bind(bootstrap()
                .option(TapChannelOption.PERSISTENT, true)
                .option(TapChannelOption.OWNER, 1000)
                .option(TapChannelOption.GROUP, 1000), new TapAddress("nsown0"));
        try {
            String link = Ip.run("-d", "-j", "link", "show", "nsown0");
            assertTrue(link.matches("(?s).*\"user\":\"[^\"]+\".*") && link.contains("\"group\""), link);
            assertEquals(Map.of("owner", "1000", "group", "1000"), Ip.sysfs("nsown0", "owner", "group"));
            assertEquals(1000, channel.config().getOwner());
            assertEquals(1000, channel.config().getGroup());
        } finally {
            channel.config().setPersistent(false);
        }
    }

    @Test
    void badInputFailsClearlyAndLeavesNoDevice() throws Exception {
        IllegalArgumentException multicast = assertThrows(IllegalArgumentException.class,
                () -> new TapChannel().config().setMacAddress(MacAddress.parse("01:00:5e:00:00:01")));
        assertTrue(multicast.getMessage().contains("multicast"), multicast.getMessage());
        IllegalArgumentException shortMac = assertThrows(IllegalArgumentException.class,
                () -> MacAddress.parse("02:00:5e:10:00"));
        assertTrue(shortMac.getMessage().contains("not a MAC address"), shortMac.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TapChannel().config().setTxQueueLength(-1));
        assertThrows(IllegalArgumentException.class, () -> CidrAddress.parse("192.0.2.1/33"));
        assertThrows(IllegalArgumentException.class, () -> CidrAddress.parse("2001:db8::1/129"));

        TunTapException mtu = assertInstanceOf(TunTapException.class,
                bindFails(bootstrap().option(TapChannelOption.MTU, 70000), new TapAddress("nsbad0")));
        assertEquals(Errno.EINVAL, mtu.errno());
        assertTrue(mtu.getMessage().contains("nsbad0") && mtu.getMessage().contains("MTU is outside the range"),
                mtu.getMessage());
        assertFalse(mtu.getMessage().contains("other flags"), mtu.getMessage());
        assertFalse(Ip.linkExists("nsbad0"), "a failed configuration removes the device the bind created");

        IllegalArgumentException owner = assertInstanceOf(IllegalArgumentException.class,
                bindFails(bootstrap().option(TapChannelOption.OWNER, 1000), new TapAddress("nsbad1")));
        assertTrue(owner.getMessage().contains("PERSISTENT"), owner.getMessage());
        assertFalse(Ip.linkExists("nsbad1"));

        // A configuration failing after the address was added still leaves nothing.
        assertInstanceOf(TunTapException.class, bindFails(bootstrap()
                .option(TapChannelOption.ADDRESSES, List.of(CidrAddress.parse("192.0.2.9/24")))
                .option(TapChannelOption.PERSISTENT, true)
                .option(TapChannelOption.MTU, 10), new TapAddress("nsbad2")));
        assertFalse(Ip.linkExists("nsbad2"));
    }

    /**
     * A Bootstrap logs an option whose setOption throws and binds anyway: a refused device option is recorded instead,
     * and the bind fails with it, once, leaving no device.
     */
    @Test
    void aBadDeviceOptionFailsTheBindOnce() throws Exception {
        MacAddress multicast = MacAddress.parse("01:00:5e:00:00:01");
        assertTrue(new TapChannel().config().setOption(TapChannelOption.MAC_ADDRESS, multicast),
                "setOption takes the value, so a Bootstrap has nothing to warn about");
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class,
                bindFails(bootstrap().option(TapChannelOption.MAC_ADDRESS, multicast), new TapAddress("nsbadmac0")));
        assertTrue(e.getMessage().contains("multicast"), e.getMessage());
        assertFalse(Ip.linkExists("nsbadmac0"), "the bind created no device");
    }

    @Test
    void multiqueueFlagsMustMatch() throws Exception {
        bind(bootstrap().option(TapChannelOption.MULTI_QUEUE, true), new TapAddress("nsmq0"));
        TunTapException mismatch = assertInstanceOf(TunTapException.class,
                bindFails(bootstrap().option(TapChannelOption.EXCLUSIVE, false), new TapAddress("nsmq0")));
        assertEquals(Errno.EINVAL, mismatch.errno());
        assertTrue(mismatch.getMessage().contains("multiqueue"), mismatch.getMessage());
    }

    @Test
    void bindTimeOptionsCannotChangeOnceBound() throws Exception {
        TapChannel channel = bind(bootstrap(), new TapAddress("nsfixed0"));
        assertThrows(IllegalStateException.class, () -> channel.config().setMultiQueue(true));
        assertThrows(IllegalStateException.class, () -> channel.config().setExclusive(false));
        ChannelException gone = assertThrows(ChannelException.class, () -> {
            Ip.run("link", "del", "nsfixed0");
            channel.config().getMtu();
        });
        assertInstanceOf(TunTapException.class, gone.getCause());
    }
}
