package io.netstack.tap.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The records of a classic libpcap file, read independently of {@code PcapWriter} so that the tests can compare
 * what it wrote with what another reader (tshark) makes of the same file.
 *
 * @param linkType the link-layer header type of every record (1 for Ethernet)
 * @param records  the records in file order
 */
public record PcapFile(int linkType, List<Record> records) {
    private static final int MICROSECOND_MAGIC = 0xa1b2c3d4;
    private static final int NANOSECOND_MAGIC = 0xa1b23c4d;
    private static final int FILE_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;

    /**
     * One captured frame.
     *
     * @param originalLength the frame's length on the wire
     * @param data           the captured bytes, at most {@code originalLength} of them
     */
    public record Record(int originalLength, byte[] data) {
    }

    /** Reads the whole file, in either byte order; fails on anything but a well-formed version 2.4 file. */
    public static PcapFile read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        if (bytes.remaining() < FILE_HEADER_LENGTH) {
            throw new AssertionError(file + " is shorter than a pcap file header: " + bytes.remaining() + " bytes");
        }
        bytes.order(ByteOrder.LITTLE_ENDIAN);
        int magic = bytes.getInt(0);
        if (magic != MICROSECOND_MAGIC && magic != NANOSECOND_MAGIC) {
            bytes.order(ByteOrder.BIG_ENDIAN);
            magic = bytes.getInt(0);
        }
        if (magic != MICROSECOND_MAGIC && magic != NANOSECOND_MAGIC) {
            throw new AssertionError(file + " has no pcap magic number: " + Integer.toHexString(magic));
        }
        if (bytes.getShort(4) != 2 || bytes.getShort(6) != 4) {
            throw new AssertionError(file + " is not pcap version 2.4");
        }
        int linkType = bytes.getInt(20);
        List<Record> records = new ArrayList<>();
        bytes.position(FILE_HEADER_LENGTH);
        while (bytes.hasRemaining()) {
            if (bytes.remaining() < RECORD_HEADER_LENGTH) {
                throw new AssertionError(file + " ends inside a record header");
            }
            bytes.position(bytes.position() + 8); // the timestamp
            int captured = bytes.getInt();
            int original = bytes.getInt();
            if (captured > original || captured > bytes.remaining()) {
                throw new AssertionError(file + ": record " + records.size() + " claims " + captured
                        + " captured of " + original + " bytes with " + bytes.remaining() + " left");
            }
            int start = bytes.position();
            records.add(new Record(original, Arrays.copyOfRange(bytes.array(), start, start + captured)));
            bytes.position(start + captured);
        }
        return new PcapFile(linkType, records);
    }
}
