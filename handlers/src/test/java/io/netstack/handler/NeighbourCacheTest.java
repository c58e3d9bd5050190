package io.netstack.handler;

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
}
