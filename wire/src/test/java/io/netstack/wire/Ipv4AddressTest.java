package io.netstack.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4AddressTest {
    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.2", "0.0.0.0", "255.255.255.255", "10.0.0.10", "100.64.0.1"})
    void roundTrips(String text) {
        assertEquals(text, Ipv4Address.parse(text).toString());
    }

    @Test
    void storesTheFirstOctetInTheHighByte() {
        assertEquals(0xc0000202, Ipv4Address.parse("192.0.2.2").value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "192.0.2", "192.0.2.2.", "192.0.2.2.1", "192.0.2.256", "192.0.02.2", "01.2.3.4",
            "192.0.2.-1", "192..2.2", " 192.0.2.2", "192.0.2.2 ", "1234.0.0.1", "0x7f.0.0.1", "192.0.2.2/24"})
    void rejectsAnythingButFourPlainDecimalOctets(String text) {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text));
    }

    @Test
    void classifiesAddresses() {
        assertTrue(Ipv4Address.parse("224.0.0.1").isMulticast());
        assertTrue(Ipv4Address.parse("239.255.255.255").isMulticast());
        assertFalse(Ipv4Address.parse("240.0.0.1").isMulticast());
        assertFalse(Ipv4Address.parse("192.0.2.1").isMulticast());
        assertTrue(Ipv4Address.BROADCAST.isBroadcast());
    }

    @Test
    void convertsToAndFromInetAddress() throws Exception {
        Ipv4Address address = Ipv4Address.parse("192.0.2.2");
        assertEquals(InetAddress.getByName("192.0.2.2"), address.toInetAddress());
        assertEquals(address, Ipv4Address.of(address.toInetAddress()));
    }
}
