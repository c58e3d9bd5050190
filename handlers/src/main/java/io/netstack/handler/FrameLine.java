package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.PacketView;

/**
 * The line a {@link FrameFormatter} builds for one frame, shared by the formatters of its layers: the text, the
 * checksum failure the decoder found, and the words tcpdump uses for what more than one layer prints.
 */
final class FrameLine {
    /** Where a TCP or UDP header has its source port. */
    static final int SOURCE_PORT = 0;
    /** Where a TCP or UDP header has its destination port. */
    static final int DESTINATION_PORT = 2;

    private final StringBuilder text = new StringBuilder(200);
    /** The checksum failure of the frame being formatted, or {@code null}. */
    private DecodeError checksumError;

    /** Empties the line for the next frame, whose checksums failed with {@code checksumError} or {@code null}. */
    void reset(DecodeError checksumError) {
        text.setLength(0);
        this.checksumError = checksumError;
    }

    /** {@return the text, which the formatters append to} */
    StringBuilder text() {
        return text;
    }

    /** {@return the checksum failure of the frame being formatted, or {@code null}} */
    DecodeError checksumError() {
        return checksumError;
    }

    /** Appends the reason if {@code view}, which has no checksum, failed to decode, and tells whether it did. */
    boolean malformed(PacketView view) {
        return appendError(view.error());
    }

    /** The same for a view whose checksum failure is reported as {@code badChecksum}. */
    boolean malformed(PacketView view, DecodeError badChecksum) {
        return appendError(view.error() != null ? view.error()
                : checksumError == badChecksum ? badChecksum : null);
    }

    /** Appends {@code error}, if not {@code null}, as {@code [malformed: reason]}, and tells whether it did. */
    boolean appendError(DecodeError error) {
        if (error == null) {
            return false;
        }
        text.append("[malformed: ").append(error.description()).append(']');
        return true;
    }

    /**
     * Appends {@code .port} after an address, tcpdump's way of showing a UDP or TCP port with it.
     *
     * @param transport the UDP or TCP header whose port to show, or {@code null} to show none
     * @param at        {@link #SOURCE_PORT} or {@link #DESTINATION_PORT}
     */
    void appendPort(PacketView transport, int at) {
        if (transport != null) {
            text.append('.').append(transport.buffer().getUnsignedShort(transport.offset() + at));
        }
    }

    /** Appends " udp port 9", " tcp port 80" or " protocol 253 port 7", as tcpdump names an unreachable port. */
    void appendPort(int protocol, int port) {
        switch (protocol) {
            case Ipv4Packet.PROTOCOL_UDP -> text.append(" udp port ");
            case Ipv4Packet.PROTOCOL_TCP -> text.append(" tcp port ");
            default -> text.append(" protocol ").append(protocol).append(" port ");
        }
        text.append(port);
    }

    /** tcpdump's form for a protocol it does not decode, after the ": " that ends the addresses: hence two spaces. */
    void appendOtherProtocol(int protocol, int length) {
        text.append(" ip-proto-").append(protocol).append(' ').append(length);
    }
}
