package io.netstack.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The header and records of a classic libpcap file, read independently of {@code PcapWriter} so that the tests can
 * compare what it wrote with what another reader (tshark) makes of the same file.
 *
 * @param magic      the magic number, which tells the timestamps' unit: {@code 0xa1b2c3d4} for microseconds,
 *                   {@code 0xa1b23c4d} for nanoseconds
 * @param snapLength the longest record the file holds whole
 * @param linkType   the link-layer header type of every record (1 for Ethernet)
 * @param records    the records in file order
 */
public record PcapFile(int magic, int snapLength, int linkType, List<Record> records) {
    private static final int MICROSECOND_MAGIC = 0xa1b2c3d4;
    private static final int NANOSECOND_MAGIC = 0xa1b23c4d;
    private static final int FILE_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;

    /**
     * One captured frame.
     *
     * @param seconds        the timestamp's seconds since the epoch
     * @param fraction       the timestamp's sub-second part, in the unit {@link #magic()} tells
     * @param originalLength the frame's length on the wire
     * @param data           the captured bytes, at most {@code originalLength} of them
     */
    public record Record(long seconds, long fraction, int originalLength, byte[] data) {
    }

    /** Reads the whole file, in either byte order; fails on anything but a well-formed version 2.4 file. */
    public static PcapFile read(Path file) throws IOException {
        return read(file.toString(), Files.readAllBytes(file));
    }

    /** The same for a capture in memory; {@code source} names it in failure messages. */
    public static PcapFile read(String source, byte[] capture) {
        ByteBuffer bytes = ByteBuffer.wrap(capture);
        if (bytes.remaining() < FILE_HEADER_LENGTH) {
            throw new AssertionError(source + " is shorter than a pcap file header: " + bytes.remaining() + " bytes");
        }
        bytes.order(ByteOrder.LITTLE_ENDIAN);
        int magic = bytes.getInt(0);
        if (magic != MICROSECOND_MAGIC && magic != NANOSECOND_MAGIC) {
            bytes.order(ByteOrder.BIG_ENDIAN);
            magic = bytes.getInt(0);
        }
        if (magic != MICROSECOND_MAGIC && magic != NANOSECOND_MAGIC) {
            throw new AssertionError(source + " has no pcap magic number: " + Integer.toHexString(magic));
        }
        if (bytes.getShort(4) != 2 || bytes.getShort(6) != 4) {
            throw new AssertionError(source + " is not pcap version 2.4");
        }
        int snapLength = bytes.getInt(16);
        int linkType = bytes.getInt(20);
        List<Record> records = new ArrayList<>();
        bytes.position(FILE_HEADER_LENGTH);
        while (bytes.hasRemaining()) {
            if (bytes.remaining() < RECORD_HEADER_LENGTH) {
                throw new AssertionError(source + " ends inside a record header");
            }
            long seconds = Integer.toUnsignedLong(bytes.getInt());
            long fraction = Integer.toUnsignedLong(bytes.getInt());
            int captured = bytes.getInt();
            int original = bytes.getInt();
            if (captured > original || captured > snapLength || captured > bytes.remaining()) {
                throw new AssertionError(source + ": record " + records.size() + " claims " + captured
                        + " captured of " + original + " bytes with " + bytes.remaining() + " left (snap length "
                        + snapLength + ")");
            }
            int start = bytes.position();
            byte[] data = Arrays.copyOfRange(bytes.array(), start, start + captured);
            records.add(new Record(seconds, fraction, original, data));
            bytes.position(start + captured);
        }
        return new PcapFile(magic, snapLength, linkType, records);
    }
}
