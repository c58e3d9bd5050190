package io.netstack.wire;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by the {@code parse} conveniences of the packet views when the input is not a well-formed packet.
 * The allocation-free {@code wrap} methods report the same {@link DecodeError} without throwing.
 */
public final class MalformedPacketException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which check the packet failed, kept for {@link #reason()}. */
    private final DecodeError reason;

    /**
     * An exception whose message is the reason's {@link DecodeError#description()}.
     *
     * @param reason which check the packet failed, not {@code null}
     * @throws NullPointerException if {@code reason} is {@code null}
     */
    public MalformedPacketException(DecodeError reason) {
        super(requireNonNull(reason, "reason").description());
        this.reason = reason;
    }

    /** {@return which check the packet failed, never {@code null}} */
    public DecodeError reason() {
        return reason;
    }
}
