package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The options of a {@link TcpSegment}, read in place into this reusable holder: Maximum Segment Size (RFC 9293
 * section 3.7.1), Window Scale and Timestamps (RFC 7323), SACK-Permitted and SACK (RFC 2018). Options of other
 * kinds are skipped; an option whose length is below 2 or runs past the header ends the reading, as Linux ends it,
 * and what was read before stays valid.
 *
 * <p>The writers append options in the order and alignment Linux sends them, so that a capture of ours reads like
 * the kernel's.
 */
public final class TcpOptions {
    /** Option kind: End of Option List. */
    public static final int KIND_END = 0;
    /** Option kind: No-Operation, used to align the options after it. */
    public static final int KIND_NOP = 1;
    /** Option kind: Maximum Segment Size, only in a SYN. */
    public static final int KIND_MSS = 2;
    /** Option kind: Window Scale, only in a SYN. */
    public static final int KIND_WINDOW_SCALE = 3;
    /** Option kind: SACK-Permitted, only in a SYN. */
    public static final int KIND_SACK_PERMITTED = 4;
    /** Option kind: SACK blocks. */
    public static final int KIND_SACK = 5;
    /** Option kind: Timestamps. */
    public static final int KIND_TIMESTAMPS = 8;
    /** The largest shift a Window Scale option may ask for (RFC 7323 section 2.3); larger ones are taken as 14. */
    public static final int MAX_WINDOW_SCALE = 14;
    /** The most SACK blocks an option holds: four fill the 40 bytes of option space, three beside Timestamps. */
    public static final int MAX_SACK_BLOCKS = 4;
    /** The bytes {@link #writeTimestamps} appends. */
    public static final int TIMESTAMPS_LENGTH = 12;

    private static final int MSS_LENGTH = 4;
    private static final int WINDOW_SCALE_LENGTH = 3;
    private static final int SACK_PERMITTED_LENGTH = 2;
    private static final int TIMESTAMPS_OPTION_LENGTH = 10;
    private static final int SACK_BLOCK_LENGTH = 8;
    private static final int ABSENT = -1;

    private int maximumSegmentSize;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestamps;
    private int timestampValue;
    private int timestampEchoReply;
    private int sackBlocks;
    private final int[] sackEdges = new int[2 * MAX_SACK_BLOCKS];

    /** An empty holder; {@link #read} fills it. */
    public TcpOptions() {
        clear();
    }

    private void clear() {
        maximumSegmentSize = ABSENT;
        windowScale = ABSENT;
        sackPermitted = false;
        timestamps = false;
        timestampValue = 0;
        timestampEchoReply = 0;
        sackBlocks = 0;
    }

    /**
     * Reads the options of {@code segment}, forgetting those of the segment read before.
     *
     * @param segment a well-formed segment
     * @return this holder
     */
    public TcpOptions read(TcpSegment segment) {
        clear();
        ByteBuf buf = segment.buffer();
        int at = segment.optionsOffset();
        int end = at + segment.optionsLength();
        while (at < end) {
            int kind = buf.getUnsignedByte(at);
            if (kind == KIND_END) {
                return this;
            }
            if (kind == KIND_NOP) {
                at++;
                continue;
            }
            int length = at + 1 < end ? buf.getUnsignedByte(at + 1) : 0;
            if (length < 2 || at + length > end) {
                return this;
            }
            readOption(buf, at, kind, length);
            at += length;
        }
        return this;
    }

    private void readOption(ByteBuf buf, int at, int kind, int length) {
        switch (kind) {
            case KIND_MSS -> {
                if (length == MSS_LENGTH) {
                    maximumSegmentSize = buf.getUnsignedShort(at + 2);
                }
            }
            case KIND_WINDOW_SCALE -> {
                if (length == WINDOW_SCALE_LENGTH) {
                    windowScale = Math.min(buf.getUnsignedByte(at + 2), MAX_WINDOW_SCALE);
                }
            }
            case KIND_SACK_PERMITTED -> sackPermitted = length == SACK_PERMITTED_LENGTH;
            case KIND_TIMESTAMPS -> {
                if (length == TIMESTAMPS_OPTION_LENGTH) {
                    timestamps = true;
                    timestampValue = buf.getInt(at + 2);
                    timestampEchoReply = buf.getInt(at + 6);
                }
            }
            case KIND_SACK -> {
                if ((length - 2) % SACK_BLOCK_LENGTH == 0) {
                    sackBlocks = Math.min((length - 2) / SACK_BLOCK_LENGTH, MAX_SACK_BLOCKS);
                    for (int i = 0; i < 2 * sackBlocks; i++) {
                        sackEdges[i] = buf.getInt(at + 2 + 4 * i);
                    }
                }
            }
            default -> {
                // An option this host does not use: skipped by its length.
            }
        }
    }

    /** {@return the Maximum Segment Size the sender can receive, or -1 if the segment had no such option} */
    public int maximumSegmentSize() {
        return maximumSegmentSize;
    }

    /** {@return the sender's window shift count, at most {@value #MAX_WINDOW_SCALE}, or -1 if absent} */
    public int windowScale() {
        return windowScale;
    }

    /** {@return whether the segment carried SACK-Permitted} */
    public boolean sackPermitted() {
        return sackPermitted;
    }

    /** {@return whether the segment carried Timestamps} */
    public boolean hasTimestamps() {
        return timestamps;
    }

    /** {@return TSval, the sender's clock when it sent the segment; 0 without {@link #hasTimestamps()}} */
    public int timestampValue() {
        return timestampValue;
    }

    /** {@return TSecr, the TSval the sender echoes; 0 without {@link #hasTimestamps()}} */
    public int timestampEchoReply() {
        return timestampEchoReply;
    }

    /** {@return how many SACK blocks the segment carried, 0 to {@value #MAX_SACK_BLOCKS}} */
    public int sackBlockCount() {
        return sackBlocks;
    }

    /**
     * The left edge of a SACK block.
     *
     * @param block a block index below {@link #sackBlockCount()}
     * @return the block's left edge, the first sequence number it covers
     */
    public int sackLeftEdge(int block) {
        return sackEdges[2 * block];
    }

    /**
     * The right edge of a SACK block.
     *
     * @param block a block index below {@link #sackBlockCount()}
     * @return the block's right edge, the sequence number after the last it covers
     */
    public int sackRightEdge(int block) {
        return sackEdges[2 * block + 1];
    }

    /**
     * {@return the bytes {@link #writeSynOptions} appends for these choices, a multiple of 4 up to 20}
     *
     * @param sackPermitted whether SACK-Permitted is announced
     * @param timestamps    whether Timestamps are sent
     * @param windowScale   whether Window Scale is announced
     */
    public static int synOptionsLength(boolean sackPermitted, boolean timestamps, boolean windowScale) {
        int length = MSS_LENGTH;
        if (timestamps) {
            length += TIMESTAMPS_LENGTH;
        } else if (sackPermitted) {
            length += 4;
        }
        return length + (windowScale ? 4 : 0);
    }

    /**
     * Appends the options of a SYN or SYN-ACK as Linux lays them out: MSS; SACK-Permitted (or two NOPs) and
     * Timestamps, or two NOPs and SACK-Permitted; NOP and Window Scale. A SYN-ACK carries only what the SYN offered.
     *
     * @param out                the buffer to append to
     * @param maximumSegmentSize the MSS to announce
     * @param sackPermitted      whether to announce SACK-Permitted
     * @param timestamps         whether to send Timestamps
     * @param timestampValue     the TSval to send
     * @param timestampEchoReply the TSecr to send, 0 in a SYN
     * @param windowScale        the shift count to announce, 0 to {@value #MAX_WINDOW_SCALE}, or -1 for none
     */
    public static void writeSynOptions(ByteBuf out, int maximumSegmentSize, boolean sackPermitted,
                                       boolean timestamps, int timestampValue, int timestampEchoReply,
                                       int windowScale) {
        out.writeByte(KIND_MSS).writeByte(MSS_LENGTH).writeShort(maximumSegmentSize);
        if (timestamps) {
            if (sackPermitted) {
                out.writeByte(KIND_SACK_PERMITTED).writeByte(SACK_PERMITTED_LENGTH);
            } else {
                out.writeShort(KIND_NOP << 8 | KIND_NOP);
            }
            writeTimestampOption(out, timestampValue, timestampEchoReply);
        } else if (sackPermitted) {
            out.writeShort(KIND_NOP << 8 | KIND_NOP);
            out.writeByte(KIND_SACK_PERMITTED).writeByte(SACK_PERMITTED_LENGTH);
        }
        if (windowScale >= 0) {
            out.writeByte(KIND_NOP).writeByte(KIND_WINDOW_SCALE).writeByte(WINDOW_SCALE_LENGTH)
                    .writeByte(windowScale);
        }
    }

    /**
     * Appends two NOPs and a Timestamps option, {@value #TIMESTAMPS_LENGTH} bytes.
     *
     * @param out                the buffer to append to
     * @param timestampValue     TSval
     * @param timestampEchoReply TSecr
     */
    public static void writeTimestamps(ByteBuf out, int timestampValue, int timestampEchoReply) {
        out.writeShort(KIND_NOP << 8 | KIND_NOP);
        writeTimestampOption(out, timestampValue, timestampEchoReply);
    }

    private static void writeTimestampOption(ByteBuf out, int timestampValue, int timestampEchoReply) {
        out.writeByte(KIND_TIMESTAMPS).writeByte(TIMESTAMPS_OPTION_LENGTH);
        out.writeInt(timestampValue).writeInt(timestampEchoReply);
    }

    /**
     * {@return the bytes {@link #writeSackBlocks} appends for {@code blocks} blocks, 0 for none}
     *
     * @param blocks the number of blocks, 0 to {@value #MAX_SACK_BLOCKS}
     */
    public static int sackLength(int blocks) {
        return blocks == 0 ? 0 : 2 + 2 + SACK_BLOCK_LENGTH * blocks;
    }

    /**
     * Appends two NOPs and a SACK option of {@code blocks} blocks from {@code edges}: left and right edge of each.
     *
     * @param out    the buffer to append to
     * @param edges  the edges, two per block
     * @param blocks the number of blocks, 1 to {@value #MAX_SACK_BLOCKS}
     */
    public static void writeSackBlocks(ByteBuf out, int[] edges, int blocks) {
        out.writeShort(KIND_NOP << 8 | KIND_NOP);
        out.writeByte(KIND_SACK).writeByte(2 + SACK_BLOCK_LENGTH * blocks);
        for (int i = 0; i < 2 * blocks; i++) {
            out.writeInt(edges[i]);
        }
    }
}
