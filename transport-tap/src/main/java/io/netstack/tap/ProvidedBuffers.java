package io.netstack.tap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.uring.IoUringIoOps;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.function.Predicate;

/**
 * The buffers a multishot read of an io_uring loop picks from ({@code IORING_OP_PROVIDE_BUFFERS}): one direct region
 * cut into equal slots, lent to the kernel under a buffer group id. The kernel takes a slot per frame and names it
 * in the completion; the channel copies the frame out into a buffer of its own allocator, and the slots go back to
 * the kernel a chunk of {@value #CHUNK} at a time, once all of a chunk's frames are out. The kernel takes slots in
 * the order they were lent, so the chunks fill in turn; each chunk's submission is made once, which keeps the frame
 * path free of allocation.
 *
 * <p>Group ids belong to the ring, and a read picks from whatever group its id names, so two channels on one ring
 * must never share one: a frame would land in the other channel's memory. They come from one process-wide set in
 * the upper half of the 16-bit range, which Netty's own buffer rings never take: their ids are non-negative shorts
 * ({@code IoUringBufferRingConfig} checks). The region must outlive the kernel's use of it: {@link #remove} takes the
 * slots back, and only after its completion (or the ring's end) may {@link #release} free them.
 */
final class ProvidedBuffers {
    /** Slots per give-back; {@code slots} is a multiple of it. */
    static final int CHUNK = 32;
    private static final int FIRST_GROUP = 0x8000;
    private static final int GROUPS = 0x8000;
    /** Slots start on cache lines. */
    private static final int ALIGNMENT = 64;
    private static final BitSet GROUPS_IN_USE = new BitSet(GROUPS);
    /** The process's memory as one segment, for copies between raw addresses that allocate nothing. */
    private static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final ByteBuf region;
    private final int firstSlotOffset;
    private final int slotLength;
    private final int slots;
    /** Index into {@link #GROUPS_IN_USE}; the group id is {@link #FIRST_GROUP} above it. */
    private final int groupIndex;
    private final short provideData;
    /** The submission that lends chunk {@code i} to the kernel again. */
    private final IoUringIoOps[] provideChunk;
    /** How many of each chunk's slots the kernel has used and the channel not yet given back. */
    private final int[] usedInChunk;

    private ProvidedBuffers(ByteBuf region, int slots, int slotLength, int groupIndex, short data) {
        this.region = region;
        this.firstSlotOffset = (int) (-region.memoryAddress() & (ALIGNMENT - 1));
        this.slots = slots;
        this.slotLength = slotLength;
        this.groupIndex = groupIndex;
        this.provideData = data;
        this.provideChunk = new IoUringIoOps[slots / CHUNK];
        this.usedInChunk = new int[slots / CHUNK];
        for (int chunk = 0; chunk < provideChunk.length; chunk++) {
            provideChunk[chunk] = provide(chunk * CHUNK, CHUNK, data);
        }
    }

    /**
     * {@code slots} buffers (a multiple of {@link #CHUNK}) of at least {@code bufferLength} bytes from {@code
     * allocator}, whose provide submissions carry {@code data}; or {@code null} if every group id is taken or the
     * allocator gives no direct memory with an address.
     */
    static ProvidedBuffers allocate(ByteBufAllocator allocator, int slots, int bufferLength, short data) {
        int group = takeGroup();
        if (group < 0) {
            return null;
        }
        // Whole cache lines, so that every slot starts on one.
        int slotLength = (bufferLength + ALIGNMENT - 1) & -ALIGNMENT;
        ByteBuf region;
        try {
            region = allocator.directBuffer(slots * slotLength + ALIGNMENT - 1);
        } catch (RuntimeException | Error e) {
            freeGroup(group);
            throw e;
        }
        if (!region.hasMemoryAddress()) {
            region.release();
            freeGroup(group);
            return null;
        }
        return new ProvidedBuffers(region, slots, slotLength, group, data);
    }

    short group() {
        return (short) (FIRST_GROUP + groupIndex);
    }

    int slotLength() {
        return slotLength;
    }

    /** Lends every slot to the kernel. */
    IoUringIoOps provideAll() {
        return provide(0, slots, provideData);
    }

    /**
     * Copies the frame the kernel put into {@code slot} to {@code frame} at its writer index, where a read would have
     * put it (the writer index stays), and keeps the slot to give back.
     */
    void copyOut(int slot, int length, ByteBuf frame) {
        int offset = firstSlotOffset + slot * slotLength;
        if (frame.hasMemoryAddress()) {
            // Address to address: without sun.misc.Unsafe, Netty's own copy between two direct buffers goes through
            // a ByteBuffer duplicate of each, 128 bytes of garbage per frame.
            MemorySegment.copy(ALL_MEMORY, region.memoryAddress() + offset, ALL_MEMORY,
                    frame.memoryAddress() + frame.writerIndex(), length);
        } else {
            frame.setBytes(frame.writerIndex(), region, offset, length);
        }
        used(slot);
    }

    /** Counts a slot the kernel is done with, whether or not its frame was copied out, to give back. */
    void used(int slot) {
        usedInChunk[slot / CHUNK]++;
    }

    /**
     * Lends every chunk whose slots have all been used to the kernel again; {@code submit} says whether it took the
     * submission. A chunk it did not take stays to give back next time.
     */
    void giveBack(Predicate<IoUringIoOps> submit) {
        for (int chunk = 0; chunk < usedInChunk.length; chunk++) {
            if (usedInChunk[chunk] == CHUNK && submit.test(provideChunk[chunk])) {
                usedInChunk[chunk] = 0;
            }
        }
    }

    /** Takes every slot the kernel still holds back from it. */
    IoUringIoOps remove(short data) {
        return IoUringOps.removeBuffers(slots, group(), data);
    }

    /** Frees the region and the group id; only once the kernel holds none of the slots. */
    void release() {
        region.release();
        freeGroup(groupIndex);
    }

    private IoUringIoOps provide(int firstSlot, int count, short data) {
        return IoUringOps.provideBuffers(count, firstSlot,
                region.memoryAddress() + firstSlotOffset + (long) firstSlot * slotLength, slotLength, group(), data);
    }

    /** A free group index, now taken, or -1. */
    private static int takeGroup() {
        synchronized (GROUPS_IN_USE) {
            int group = GROUPS_IN_USE.nextClearBit(0);
            if (group >= GROUPS) {
                return -1;
            }
            GROUPS_IN_USE.set(group);
            return group;
        }
    }

    private static void freeGroup(int group) {
        synchronized (GROUPS_IN_USE) {
            GROUPS_IN_USE.clear(group);
        }
    }
}
