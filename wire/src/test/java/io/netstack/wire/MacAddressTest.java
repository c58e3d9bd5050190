package io.netstack.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacAddressTest {
    @Test
    void parsesAndFormats() {
        MacAddress mac = MacAddress.parse("02:00:5E:10:00:01");
        assertEquals(0x02005e100001L, mac.value());
        assertEquals("02:00:5e:10:00:01", mac.toString());
        assertEquals(mac, MacAddress.parse(mac.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:00:5e:10:00", "02:00:5e:10:00:01:", "02-00-5e-10-00-01", "2:00:5e:10:00:01",
            "02:00:5e:10:00:0g", "02:00:5e:10:00:+1", "02005e100001", "02:00:5e:10:00 01", "02:00:5e:10:00:001"})
    void rejectsAnythingButSixColonSeparatedHexPairs(String text) {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
    }

    @Test
    void rejectsValuesWiderThan48Bits() {
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
    }

    @Test
    void classifiesAddresses() {
        assertTrue(MacAddress.BROADCAST.isBroadcast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        assertTrue(MacAddress.parse("01:00:5e:00:00:01").isMulticast()); // IPv4 all-hosts, RFC 1112
        assertFalse(MacAddress.parse("01:00:5e:00:00:01").isBroadcast());
        assertTrue(MacAddress.parse("02:00:5e:10:00:01").isLocallyAdministered());
        assertFalse(MacAddress.parse("00:1b:21:3a:4f:10").isLocallyAdministered());
        assertFalse(MacAddress.parse("00:1b:21:3a:4f:10").isMulticast());
    }

    @Test
    void readsAndWritesNetworkOrder() {
        ByteBuf buf = Unpooled.buffer();
        try {
            MacAddress.write(buf, 0x02005e100001L);
            assertEquals("02005e100001", ByteBufUtil.hexDump(buf));
            assertEquals(0x02005e100001L, MacAddress.read(buf, 0));
        } finally {
            buf.release();
        }
    }
}
