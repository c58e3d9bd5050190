package io.netstack.handler;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeighbourCacheTest {
    @Test
    void updatesOnlyKnownEntries() {
        NeighbourCache cache = new NeighbourCache(4);
        assertFalse(cache.update(1, 0xa));
        assertEquals(NeighbourCache.NO_ENTRY, cache.lookup(1));
        cache.put(1, 0xa);
        assertTrue(cache.update(1, 0xb));
        assertEquals(0xb, cache.lookup(1));
        assertEquals(1, cache.size());
    }

    @Test
    void replacesTheOldestEntryWhenFull() {
        NeighbourCache cache = new NeighbourCache(2);
        cache.put(1, 0xa);
        cache.put(2, 0xb);
        cache.put(3, 0xc);
        assertEquals(NeighbourCache.NO_ENTRY, cache.lookup(1));
        assertEquals(0xb, cache.lookup(2));
        cache.put(4, 0xd);
        assertEquals(NeighbourCache.NO_ENTRY, cache.lookup(2));
        assertEquals(0xc, cache.lookup(3));
        assertEquals(2, cache.size());
        assertEquals("{0.0.0.3=00:00:00:00:00:0c, 0.0.0.4=00:00:00:00:00:0d}", cache.toString());
    }

    @Test
    void rejectsANonPositiveCapacity() {
        assertThrows(IllegalArgumentException.class, () -> new NeighbourCache(0));
    }

    /** One table for both versions: an IPv4 address is its IPv4-mapped IPv6 key, no other IPv6 address's. */
    @Test
    void keepsIpv4AndIpv6NeighboursApart() {
        NeighbourCache cache = new NeighbourCache(4);
        Ipv6Address neighbour = Ipv6Address.parse("2001:db8::1");
        Ipv6Address compatible = Ipv6Address.parse("::c000:201");
        int ipv4 = Ipv4Address.parse("192.0.2.1").value();
        cache.put(neighbour.high(), neighbour.low(), 0xa);
        cache.put(ipv4, 0xb);
        assertEquals(0xa, cache.lookup(neighbour.high(), neighbour.low()));
        assertEquals(0xb, cache.lookup(ipv4));
        assertEquals(NeighbourCache.NO_ENTRY, cache.lookup(compatible.high(), compatible.low()));
        assertFalse(cache.update(compatible.high(), compatible.low(), 0xc));
        assertTrue(cache.update(neighbour.high(), neighbour.low(), 0xd));
        assertEquals(2, cache.size());
        assertEquals("{2001:db8::1=00:00:00:00:00:0d, 192.0.2.1=00:00:00:00:00:0b}", cache.toString());
    }
}
