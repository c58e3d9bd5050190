package io.netstack.handler;

/**
 * The per-destination token buckets of an {@link IcmpRateLimiter}: Linux's {@code inet_peer_xrlim_allow} over a
 * bounded hash table instead of the kernel's peer tree.
 *
 * <p>The table is open-addressed with keys of 128 bits, in one {@code long} array of four words per slot (key high,
 * key low, tokens, last refill), so a lookup touches one or two cache lines and allocates nothing. A key is looked
 * for in at most {@value #PROBES} consecutive slots from its hash, which is keyed by a random seed: however the
 * sources of a flood are chosen, a lookup costs at most that many slots and the table never grows. A new key takes
 * the first free slot of its run, else the first whose bucket has been idle long enough to be full again (forgetting
 * it changes nothing, since a new destination starts full), else the least recently used of the run, whose
 * destination then starts over with a full bucket.
 */
final class DestinationBuckets {
    /** How many slots a key may be found in. */
    static final int PROBES = 8;

    private static final int WORDS = 4;
    private static final int KEY_HIGH = 0;
    private static final int KEY_LOW = 1;
    private static final int TOKENS = 2;
    private static final int LAST_REFILL = 3;
    /** The tokens of a slot never used; buckets never hold fewer than zero. */
    private static final long FREE = -1;

    private final long[] slots;
    private final int mask;
    private final long seed;
    private final long idleHorizonNanos;
    private int size;

    /**
     * A table.
     *
     * @param capacity         how many destinations it holds at least; rounded up to a power of two, at least
     *                         {@value #PROBES}
     * @param seed             keys the hash
     * @param idleHorizonNanos after this long without an error, any bucket of the table is full again
     */
    DestinationBuckets(int capacity, long seed, long idleHorizonNanos) {
        int slotCount = Math.max(PROBES, Integer.highestOneBit(Math.max(1, capacity - 1)) << 1);
        slots = new long[slotCount * WORDS];
        for (int slot = 0; slot < slotCount; slot++) {
            slots[slot * WORDS + TOKENS] = FREE;
        }
        mask = slotCount - 1;
        this.seed = seed;
        this.idleHorizonNanos = idleHorizonNanos;
    }

    /**
     * Takes one interval's worth of tokens from the destination's bucket, after filling it for the time since its
     * last refill up to {@link IcmpRateLimiter#BURST_FACTOR} intervals.
     *
     * @return whether the bucket held enough
     */
    boolean take(long keyHigh, long keyLow, long intervalNanos, long now) {
        long capacity = IcmpRateLimiter.BURST_FACTOR * intervalNanos;
        int base = slotOf(keyHigh, keyLow);
        int index = find(base, keyHigh, keyLow);
        long tokens;
        if (index >= 0) {
            long elapsed = now - slots[index + LAST_REFILL];
            tokens = elapsed >= capacity - slots[index + TOKENS] ? capacity : slots[index + TOKENS] + elapsed;
        } else {
            index = claim(base, now);
            slots[index + KEY_HIGH] = keyHigh;
            slots[index + KEY_LOW] = keyLow;
            tokens = capacity;
        }
        slots[index + LAST_REFILL] = now;
        boolean allowed = tokens >= intervalNanos;
        slots[index + TOKENS] = allowed ? tokens - intervalNanos : tokens;
        return allowed;
    }

    /** {@return how many destinations are tracked} */
    int size() {
        return size;
    }

    private int slotOf(long keyHigh, long keyLow) {
        return (int) mix(mix(keyHigh ^ seed) ^ keyLow) & mask;
    }

    /** The index of the key's slot in its run, or -1. Slots are never emptied, so the first free one ends the run. */
    private int find(int base, long keyHigh, long keyLow) {
        for (int probe = 0; probe < PROBES; probe++) {
            int index = ((base + probe) & mask) * WORDS;
            if (slots[index + TOKENS] == FREE) {
                return -1;
            }
            if (slots[index + KEY_HIGH] == keyHigh && slots[index + KEY_LOW] == keyLow) {
                return index;
            }
        }
        return -1;
    }

    /** The index of the slot a new key takes in its run: free, else idle, else least recently used. */
    private int claim(int base, long now) {
        int oldest = -1;
        for (int probe = 0; probe < PROBES; probe++) {
            int index = ((base + probe) & mask) * WORDS;
            if (slots[index + TOKENS] == FREE) {
                size++;
                return index;
            }
            long idle = now - slots[index + LAST_REFILL];
            if (idle >= idleHorizonNanos) {
                return index;
            }
            if (oldest < 0 || idle > now - slots[oldest + LAST_REFILL]) {
                oldest = index;
            }
        }
        return oldest;
    }

    /** The finalizer of MurmurHash3's 64-bit variant: every input bit affects every output bit. */
    private static long mix(long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Override
    public String toString() {
        return "DestinationBuckets(" + size + " of " + (mask + 1) + " slots)";
    }
}
