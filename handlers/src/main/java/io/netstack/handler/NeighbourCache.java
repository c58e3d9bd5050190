package io.netstack.handler;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small IPv4 to MAC address table learnt from ARP.
 *
 * <p>It is a pair of parallel arrays searched linearly: a userspace host talks to a handful of neighbours, for which
 * a scan of a few cache lines beats hashing, and primitive arrays need no boxing per lookup. When full, the oldest
 * entry is replaced. Entries do not expire. Not thread-safe: use it from the channel's event loop.
 */
public final class NeighbourCache {
    /** What {@link #lookup} returns for an unknown address; no MAC address has its high bits set. */
    public static final long NO_ENTRY = -1;

    private final int[] addresses;
    private final long[] macs;
    private int size;
    /** The slot to overwrite when the table is full: the oldest, since slots are filled and replaced in order. */
    private int oldest;

    /**
     * An empty table.
     *
     * @param capacity how many neighbours it holds before the oldest entry gives way, e.g.
     *                 {@link ArpResponder#DEFAULT_CACHE_CAPACITY}
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public NeighbourCache(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        addresses = new int[capacity];
        macs = new long[capacity];
    }

    /**
     * Looks a neighbour up, without allocating.
     *
     * @param address the neighbour's IPv4 address in its primitive form, see {@link Ipv4Address}
     * @return its MAC address in the low 48 bits, or {@link #NO_ENTRY} if it is not in the table
     */
    public long lookup(int address) {
        int slot = slotOf(address);
        return slot < 0 ? NO_ENTRY : macs[slot];
    }

    /**
     * Updates the MAC address of {@code address} if it is in the table.
     *
     * @param address the neighbour's IPv4 address in its primitive form
     * @param mac     its MAC address in the low 48 bits
     * @return whether it was: RFC 826's "merge flag"
     */
    public boolean update(int address, long mac) {
        int slot = slotOf(address);
        if (slot < 0) {
            return false;
        }
        macs[slot] = mac;
        return true;
    }

    /**
     * Adds or updates the entry of {@code address}, replacing the oldest entry when the table is full.
     *
     * @param address the neighbour's IPv4 address in its primitive form
     * @param mac     its MAC address in the low 48 bits
     */
    public void put(int address, long mac) {
        if (update(address, mac)) {
            return;
        }
        int slot;
        if (size < addresses.length) {
            slot = size++;
        } else {
            slot = oldest;
            oldest = (oldest + 1) % addresses.length;
        }
        addresses[slot] = address;
        macs[slot] = mac;
    }

    /** {@return how many neighbours the table holds, up to its capacity} */
    public int size() {
        return size;
    }

    /** {@return a copy of the table in the order the entries were added, for display; allocates} */
    public Map<Ipv4Address, MacAddress> toMap() {
        Map<Ipv4Address, MacAddress> entries = new LinkedHashMap<>();
        for (int slot = 0; slot < size; slot++) {
            entries.put(new Ipv4Address(addresses[slot]), new MacAddress(macs[slot]));
        }
        return entries;
    }

    private int slotOf(int address) {
        for (int slot = 0; slot < size; slot++) {
            if (addresses[slot] == address) {
                return slot;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
