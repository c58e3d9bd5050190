package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv6AddressTest {
    /** Text forms of RFC 4291 section 2.2, and what RFC 5952 prints for them. */
    @ParameterizedTest
    @CsvSource({
            "2001:DB8:0:0:8:800:200C:417A, 2001:db8::8:800:200c:417a",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "FF01:0:0:0:0:0:0:101, ff01::101",
            "0:0:0:0:0:0:0:1, ::1",
            "0:0:0:0:0:0:0:0, ::",
            "::, ::",
            "1::, 1::",
            "::13.1.68.3, ::d01:4403",
            "::FFFF:129.144.52.38, ::ffff:129.144.52.38",
            "0:0:0:0:0:FFFF:129.144.52.38, ::ffff:129.144.52.38",
            "1:2:3:4:5:6:7.8.9.10, 1:2:3:4:5:6:708:90a",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "1:0:0:2:0:0:0:0, 1:0:0:2::",
            "fe80::1:2, fe80::1:2",
            "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
            "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8"})
    void parsesTheTextFormsAndPrintsTheCanonicalOne(String text, String canonical) {
        Ipv6Address address = Ipv6Address.parse(text);
        assertEquals(canonical, address.toString());
        assertEquals(address, Ipv6Address.parse(canonical));
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(0xaa);
        address.write(buf);
        try {
            assertEquals("> " + canonical, Ipv6Address.appendTo(new StringBuilder("> "), buf, 1).toString(),
                    "appended from the buffer, in place");
        } finally {
            buf.release();
        }
    }

    @Test
    void agreesWithTheJdkOnTheValue() throws Exception {
        for (String text : new String[] {"2001:db8::8:800:200c:417a", "::ffff:129.144.52.38", "fe80::1", "::"}) {
            byte[] jdk = InetAddress.getByName(text).getAddress();
            byte[] octets = jdk.length == Ipv6Address.LENGTH ? jdk : mapped(jdk);
            assertArrayEquals(octets, Ipv6Address.parse(text).octets(), text);
        }
    }

    private static byte[] mapped(byte[] ipv4) {
        byte[] octets = new byte[Ipv6Address.LENGTH];
        octets[10] = (byte) 0xff;
        octets[11] = (byte) 0xff;
        System.arraycopy(ipv4, 0, octets, 12, 4);
        return octets;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8", "1::2::3", ":1::", "1::2:", "1:2:3:4:5:6:7:", ":1:2:3:4:5:6:7:8", "12345::",
            "g::", "::1 ", " ::1", "fe80::1%eth0", "[::1]", "2001:db8::/32", "::1.2.3", "::1.2.3.4.5",
            "::1.2.3.256", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "::01.2.3.4", "::0x1",
            "1:::2", "::-1", "\u0661::"})
    void rejectsAnythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse(text));
    }

    @Test
    void storesTheFirstOctetInTheHighByteOfHigh() {
        Ipv6Address address = Ipv6Address.parse("2001:db8::8:800:200c:417a");
        assertEquals(0x2001_0db8_0000_0000L, address.high());
        assertEquals(0x0008_0800_200c_417aL, address.low());
    }

    @Test
    void convertsToAndFromBytesAndInet6Address() throws Exception {
        Ipv6Address address = Ipv6Address.parse("2001:db8::8:800:200c:417a");
        assertEquals(address, Ipv6Address.of(address.octets()));
        Inet6Address jdk = address.toInetAddress();
        assertEquals(InetAddress.getByName("2001:db8::8:800:200c:417a"), jdk);
        assertEquals(address, Ipv6Address.of(jdk));
        Ipv6Address mapped = Ipv6Address.parse("::ffff:192.0.2.1");
        assertEquals(mapped, Ipv6Address.of(mapped.toInetAddress()), "stays an Inet6Address");
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.of(new byte[4]));
    }

    @Test
    void readsWritesAndMatchesInPlace() {
        Ipv6Address address = Ipv6Address.parse("2001:db8::8:800:200c:417a");
        ByteBuf buf = Unpooled.buffer(3 + Ipv6Address.LENGTH);
        try {
            buf.writeZero(3);
            address.write(buf);
            assertEquals(3 + Ipv6Address.LENGTH, buf.writerIndex());
            assertEquals(address, Ipv6Address.read(buf, 3));
            assertEquals(address.high(), Ipv6Address.readHigh(buf, 3));
            assertEquals(address.low(), Ipv6Address.readLow(buf, 3));
            assertTrue(address.matches(buf, 3));
            assertFalse(Ipv6Address.parse("2001:db8::8:800:200c:417b").matches(buf, 3));
            assertFalse(Ipv6Address.parse("2001:db9::8:800:200c:417a").matches(buf, 3));
            Ipv6Address.ALL_NODES.set(buf, 3);
            assertTrue(Ipv6Address.ALL_NODES.matches(buf, 3));
            assertTrue(Ipv6Address.isMulticast(buf, 3));
            assertEquals(3 + Ipv6Address.LENGTH, buf.writerIndex(), "set leaves the indexes alone");
        } finally {
            buf.release();
        }
    }

    @Test
    void classifiesAddresses() {
        assertTrue(Ipv6Address.parse("ff02::1").isMulticast());
        assertTrue(Ipv6Address.parse("ff0e::101").isMulticast());
        assertFalse(Ipv6Address.parse("fe80::1").isMulticast());
        assertTrue(Ipv6Address.UNSPECIFIED.isUnspecified());
        assertFalse(Ipv6Address.LOOPBACK.isUnspecified());
        assertTrue(Ipv6Address.parse("::1").isLoopback());
        assertFalse(Ipv6Address.parse("::2").isLoopback());
        assertTrue(Ipv6Address.parse("fe80::1").isLinkLocal());
        assertTrue(Ipv6Address.parse("febf:ffff::1").isLinkLocal());
        assertFalse(Ipv6Address.parse("fec0::1").isLinkLocal());
        assertFalse(Ipv6Address.parse("2001:db8::1").isLinkLocal());
    }

    @Test
    void recognisesIpv4MappedAddressesInPlace() {
        ByteBuf buf = Unpooled.buffer(Ipv6Address.LENGTH);
        try {
            Ipv6Address.parse("::ffff:192.0.2.1").set(buf, 0);
            assertTrue(Ipv6Address.isIpv4Mapped(buf, 0));
            Ipv6Address.parse("::ffff:255.247.0.1").set(buf, 0);
            assertTrue(Ipv6Address.isIpv4Mapped(buf, 0));
            Ipv6Address.parse("::fffe:192.0.2.1").set(buf, 0);
            assertFalse(Ipv6Address.isIpv4Mapped(buf, 0));
            Ipv6Address.parse("::1:ffff:c000:201").set(buf, 0);
            assertFalse(Ipv6Address.isIpv4Mapped(buf, 0), "the 80 bits before ffff are zero");
            Ipv6Address.parse("64:ff9b::c000:201").set(buf, 0);
            assertFalse(Ipv6Address.isIpv4Mapped(buf, 0), "NAT64's well-known prefix is a routable one");
        } finally {
            buf.release();
        }
    }

    @Test
    void mapsToTheSolicitedNodeMulticastAddress() {
        // RFC 4291 section 2.7.1: the low 24 bits of the address behind ff02::1:ff00:0/104.
        Ipv6Address solicited = Ipv6Address.parse("2001:db8::8:800:200c:417a").solicitedNodeMulticast();
        assertEquals(Ipv6Address.parse("ff02::1:ff0c:417a"), solicited);
        assertTrue(solicited.isSolicitedNodeMulticast());
        assertFalse(Ipv6Address.ALL_NODES.isSolicitedNodeMulticast());
        assertFalse(Ipv6Address.parse("ff02::2:ff0c:417a").isSolicitedNodeMulticast());
    }

    @Test
    void mapsMulticastAddressesToEthernetAddresses() {
        // RFC 2464 section 7: 33:33 and the last four octets.
        assertEquals(MacAddress.parse("33:33:ff:0c:41:7a"), Ipv6Address.parse("ff02::1:ff0c:417a").multicastMac());
        assertEquals(MacAddress.parse("33:33:00:00:00:01"), Ipv6Address.ALL_NODES.multicastMac());
        assertEquals(0x3333_0000_0002L, Ipv6Address.multicastMac(Ipv6Address.ALL_ROUTERS.low()));
        assertThrows(IllegalStateException.class, () -> Ipv6Address.parse("2001:db8::1").multicastMac());
    }
}
