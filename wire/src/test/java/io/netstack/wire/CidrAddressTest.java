package io.netstack.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrAddressTest {
    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1/24", "0.0.0.0/0", "255.255.255.255/32", "2001:db8:0:0:0:0:0:1/64"})
    void roundTrips(String text) {
        assertEquals(text, CidrAddress.parse(text).toString());
    }

    @Test
    void parsesItsIpv4PartAsIpv4AddressDoes() {
        CidrAddress cidr = CidrAddress.parse("192.0.2.1/24");
        assertTrue(cidr.isIpv4());
        assertEquals(24, cidr.prefixLength());
        assertEquals(Ipv4Address.parse("192.0.2.1"), cidr.ipv4Address());
        assertEquals(cidr, CidrAddress.of(Ipv4Address.parse("192.0.2.1"), 24));
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "192.0.2/24", "192.0.02.1/24", "0x7f.0.0.1/8", "192.0.2.1/33",
            "192.0.2.1/-1", "192.0.2.1/", "2001:db8::1/129", "example.com/24", "/24"})
    void rejectsWhatIpv4AddressRejectsAndPrefixesOutOfRange(String text) {
        assertThrows(IllegalArgumentException.class, () -> CidrAddress.parse(text));
    }

    @Test
    void anIpv6AddressHasNoIpv4Form() {
        CidrAddress cidr = CidrAddress.parse("2001:db8::1/64");
        assertFalse(cidr.isIpv4());
        assertThrows(IllegalStateException.class, cidr::ipv4Address);
    }

    @Test
    void containsTheAddressesOfItsNetwork() throws Exception {
        CidrAddress network = CidrAddress.parse("192.0.2.0/24");
        assertTrue(network.contains(InetAddress.getByName("192.0.2.200")));
        assertFalse(network.contains(InetAddress.getByName("192.0.3.1")));
        assertFalse(network.contains(InetAddress.getByName("2001:db8::1")));
        assertTrue(CidrAddress.parse("192.0.2.0/0").contains(InetAddress.getByName("198.51.100.1")));
        assertTrue(CidrAddress.parse("192.0.2.1/32").contains(InetAddress.getByName("192.0.2.1")));
        assertFalse(CidrAddress.parse("192.0.2.1/32").contains(InetAddress.getByName("192.0.2.0")));
        CidrAddress odd = CidrAddress.parse("198.51.100.128/25");
        assertTrue(odd.contains(InetAddress.getByName("198.51.100.255")));
        assertFalse(odd.contains(InetAddress.getByName("198.51.100.127")));
        assertTrue(CidrAddress.parse("2001:db8::1/64").contains(InetAddress.getByName("2001:db8::ffff")));
        assertFalse(CidrAddress.parse("2001:db8::1/64").contains(InetAddress.getByName("2001:db9::1")));
    }
}
