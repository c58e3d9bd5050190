package io.netstack.handler;

import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.MacAddress;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A small IP to MAC address table, learnt from ARP for IPv4 and from Neighbor Discovery for IPv6.
 *
 * <p>Both families share one table: an IPv4 address is kept as its IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d},
 * RFC 4291 section 2.5.5.2), which no neighbour uses on the wire, so every key is 128 bits. The table is parallel
 * primitive arrays searched linearly: a userspace host talks to a handful of neighbours, for which a scan of a few
 * cache lines beats hashing, and primitives need no boxing per lookup. When full, the oldest entry is replaced.
 * Entries do not expire. Not thread-safe: use it from the channel's event loop.
 */
public final class NeighbourCache {
    /** What {@link #lookup} returns for an unknown address; no MAC address has its high bits set. */
    public static final long NO_ENTRY = -1;

    /** The low 64 bits of an IPv4-mapped address without its IPv4 address. */
    private static final long IPV4_MAPPED_LOW = 0x0000_ffff_0000_0000L;
    private static final long LOW_32_BITS = 0xffff_ffffL;

    private final long[] highs;
    private final long[] lows;
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
        highs = new long[capacity];
        lows = new long[capacity];
        macs = new long[capacity];
    }

    /**
     * Looks an IPv4 neighbour up, without allocating.
     *
     * @param address the neighbour's IPv4 address in its primitive form, see {@link Ipv4Address}
     * @return its MAC address in the low 48 bits, or {@link #NO_ENTRY} if it is not in the table
     */
    public long lookup(int address) {
        return lookup(0, mapped(address));
    }

    /**
     * Looks an IPv6 neighbour up, without allocating.
     *
     * @param high the high 64 bits of the neighbour's IPv6 address, see {@link Ipv6Address}
     * @param low  its low 64 bits
     * @return its MAC address in the low 48 bits, or {@link #NO_ENTRY} if it is not in the table
     */
    public long lookup(long high, long low) {
        int slot = slotOf(high, low);
        return slot < 0 ? NO_ENTRY : macs[slot];
    }

    /**
     * Updates the MAC address of an IPv4 neighbour if it is in the table.
     *
     * @param address the neighbour's IPv4 address in its primitive form
     * @param mac     its MAC address in the low 48 bits
     * @return whether it was: RFC 826's "merge flag"
     */
    public boolean update(int address, long mac) {
        return update(0, mapped(address), mac);
    }

    /**
     * Updates the MAC address of an IPv6 neighbour if it is in the table.
     *
     * @param high the high 64 bits of the neighbour's IPv6 address
     * @param low  its low 64 bits
     * @param mac  its MAC address in the low 48 bits
     * @return whether it was
     */
    public boolean update(long high, long low, long mac) {
        int slot = slotOf(high, low);
        if (slot < 0) {
            return false;
        }
        macs[slot] = mac;
        return true;
    }

    /**
     * Adds or updates the entry of an IPv4 neighbour, replacing the oldest entry when the table is full.
     *
     * @param address the neighbour's IPv4 address in its primitive form
     * @param mac     its MAC address in the low 48 bits
     */
    public void put(int address, long mac) {
        put(0, mapped(address), mac);
    }

    /**
     * Adds or updates the entry of an IPv6 neighbour, replacing the oldest entry when the table is full.
     *
     * @param high the high 64 bits of the neighbour's IPv6 address
     * @param low  its low 64 bits
     * @param mac  its MAC address in the low 48 bits
     */
    public void put(long high, long low, long mac) {
        if (update(high, low, mac)) {
            return;
        }
        int slot;
        if (size < macs.length) {
            slot = size++;
        } else {
            slot = oldest;
            oldest = (oldest + 1) % macs.length;
        }
        highs[slot] = high;
        lows[slot] = low;
        macs[slot] = mac;
    }

    /** {@return how many neighbours the table holds, up to its capacity} */
    public int size() {
        return size;
    }

    /** {@return a copy of the table in the order the entries were added, for display; allocates} */
    public Map<InetAddress, MacAddress> toMap() {
        Map<InetAddress, MacAddress> entries = new LinkedHashMap<>();
        for (int slot = 0; slot < size; slot++) {
            entries.put(inetAddress(highs[slot], lows[slot]), new MacAddress(macs[slot]));
        }
        return entries;
    }

    /** The low 64 bits of the IPv4-mapped IPv6 address of an IPv4 address in its primitive form. */
    static long mapped(int address) {
        return IPV4_MAPPED_LOW | address & LOW_32_BITS;
    }

    /** The JDK address of a 128-bit key: an {@link java.net.Inet4Address} for an IPv4-mapped one. Allocates. */
    static InetAddress inetAddress(long high, long low) {
        return isIpv4(high, low)
                ? new Ipv4Address((int) low).toInetAddress()
                : new Ipv6Address(high, low).toInetAddress();
    }

    private static boolean isIpv4(long high, long low) {
        return high == 0 && (low & ~LOW_32_BITS) == IPV4_MAPPED_LOW;
    }

    private int slotOf(long high, long low) {
        for (int slot = 0; slot < size; slot++) {
            if (lows[slot] == low && highs[slot] == high) {
                return slot;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        StringJoiner entries = new StringJoiner(", ", "{", "}");
        for (int slot = 0; slot < size; slot++) {
            String address = isIpv4(highs[slot], lows[slot]) ? Ipv4Address.format((int) lows[slot])
                    : new Ipv6Address(highs[slot], lows[slot]).toString();
            entries.add(address + '=' + new MacAddress(macs[slot]));
        }
        return entries.toString();
    }
}
