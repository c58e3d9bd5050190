package io.netstack.tap;

import io.netstack.wire.LinkLayer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TapAddressTest {
    @Test
    void isAValueOfNameAndMode() {
        assertEquals(new TapAddress("tap0"), new TapAddress("tap0", LinkLayer.ETHERNET));
        assertEquals(new TapAddress("tap0").hashCode(), new TapAddress("tap0", LinkLayer.ETHERNET).hashCode());
        assertNotEquals(new TapAddress("tap0"), new TapAddress("tap1"));
        assertNotEquals(new TapAddress("x0"), TapAddress.tun("x0"));
    }

    @Test
    void printsTheNameOrTheKernelsTemplate() {
        assertEquals("tap0", new TapAddress("tap0").toString());
        assertEquals("tap%d", new TapAddress("").toString());
        assertEquals("tun%d (tun)", TapAddress.tun("").toString());
    }

    @Test
    void validatesTheNameUpFront() {
        assertThrows(IllegalArgumentException.class, () -> new TapAddress("much-too-long-name"));
        assertThrows(IllegalArgumentException.class, () -> new TapAddress("tap0", null));
    }
}
