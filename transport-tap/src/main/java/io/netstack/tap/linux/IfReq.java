package io.netstack.tap.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct ifreq} ({@code man 7 netdevice}): a 16-byte interface name followed by a 24-byte union, of which the
 * requests used here read a {@code short} of flags or an {@code int} (MTU, queue length, index).
 */
final class IfReq {
    static final long SIZE = 40;
    private static final long UNION_OFFSET = InterfaceName.IFNAMSIZ;

    private final MemorySegment segment;

    private IfReq(MemorySegment segment) {
        this.segment = segment;
    }

    static IfReq allocate(Arena arena, String name) {
        IfReq req = new IfReq(arena.allocate(SIZE));
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, req.segment, JAVA_BYTE, 0, bytes.length);
        return req;
    }

    MemorySegment segment() {
        return segment;
    }

    String name() {
        return segment.getString(0, StandardCharsets.UTF_8);
    }

    int flags() {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, UNION_OFFSET));
    }

    IfReq flags(int flags) {
        segment.set(JAVA_SHORT, UNION_OFFSET, (short) flags);
        return this;
    }

    int intValue() {
        return segment.get(JAVA_INT, UNION_OFFSET);
    }
}
