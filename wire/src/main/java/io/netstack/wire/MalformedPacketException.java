package io.netstack.wire;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by the {@code parse} conveniences of the packet views when the input is not a well-formed packet.
 * The allocation-free {@code wrap} methods report the same {@link DecodeError} without throwing.
 */
public final class MalformedPacketException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final DecodeError reason;

    public MalformedPacketException(DecodeError reason) {
        super(requireNonNull(reason, "reason").description());
        this.reason = reason;
    }

    /** Which check the packet failed. */
    public DecodeError reason() {
        return reason;
    }
}
