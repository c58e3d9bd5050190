package io.netstack.handler;

import io.netstack.wire.DecodeError;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Formats TCP over IPv4 and IPv6 for a {@link FrameFormatter}, as {@code tcpdump -S} prints it: flags, absolute
 * sequence and acknowledgment numbers (without {@code -S} tcpdump numbers them from each connection's first, which
 * takes state this formatter does not keep), the window field, the options and the payload's length.
 */
final class TcpFormatter {
    /** tcpdump's letters for the flags, in the order of their bits from FIN up; ACK is a dot. */
    private static final String FLAG_LETTERS = "FSRP.UEW";
    private static final int SACK_BLOCK_LENGTH = 8;

    private final PacketDecoder decoder;
    private final FrameLine frameLine;
    private final StringBuilder line;

    TcpFormatter(PacketDecoder decoder, FrameLine frameLine) {
        this.decoder = decoder;
        this.frameLine = frameLine;
        line = frameLine.text();
    }

    /**
     * The decoder's TCP view if the frame is TCP, well-formed, with a checksum that verifies, and follows the IP
     * header right away: tcpdump shows its ports with the addresses.
     */
    TcpSegment portsWithAddresses() {
        TcpSegment tcp = decoder.tcp();
        return decoder.kind() == InboundFrame.Kind.TCP && tcp.error() == null && frameLine.checksumError() == null
                && tcp.offset() == decoder.ip().payloadOffset() ? tcp : null;
    }

    /**
     * Appends the decoder's TCP segment.
     *
     * @param portsShown whether the ports were printed with the addresses
     */
    void append(boolean portsShown) {
        TcpSegment tcp = decoder.tcp();
        if (frameLine.malformed(tcp, DecodeError.TCP_BAD_CHECKSUM)) {
            return;
        }
        if (!portsShown) {
            line.append(tcp.sourcePort()).append(" > ").append(tcp.destinationPort()).append(": ");
        }
        int flags = tcp.flags();
        line.append("Flags [");
        if (flags == 0) {
            line.append("none");
        }
        for (int bit = 0; bit < FLAG_LETTERS.length(); bit++) {
            if ((flags & 1 << bit) != 0) {
                line.append(FLAG_LETTERS.charAt(bit));
            }
        }
        line.append(']');
        int length = tcp.payloadLength();
        if (length > 0 || (flags & (TcpSegment.SYN | TcpSegment.FIN | TcpSegment.RST)) != 0) {
            line.append(", seq ").append(Integer.toUnsignedLong(tcp.sequenceNumber()));
            if (length > 0) {
                line.append(':').append(Integer.toUnsignedLong(tcp.sequenceNumber() + length));
            }
        }
        if ((flags & TcpSegment.ACK) != 0) {
            line.append(", ack ").append(Integer.toUnsignedLong(tcp.acknowledgmentNumber()));
        }
        line.append(", win ").append(tcp.window());
        if ((flags & TcpSegment.URG) != 0) {
            line.append(", urg ").append(tcp.urgentPointer());
        }
        if (tcp.optionsLength() > 0) {
            line.append(", options [");
            appendOptions(tcp.buffer(), tcp.optionsOffset(), tcp.optionsOffset() + tcp.optionsLength());
            line.append(']');
        }
        line.append(", length ").append(length);
    }

    /** The options as tcpdump lists them, comma-separated; a length it cannot take ends the list. */
    private void appendOptions(ByteBuf buf, int start, int end) {
        for (int at = start; at < end; ) {
            if (at > start) {
                line.append(',');
            }
            int kind = buf.getUnsignedByte(at);
            if (kind == TcpOptions.KIND_END) {
                line.append("eol");
                return;
            }
            if (kind == TcpOptions.KIND_NOP) {
                line.append("nop");
                at++;
                continue;
            }
            int length = at + 1 < end ? buf.getUnsignedByte(at + 1) : 0;
            if (length < 2 || at + length > end) {
                line.append("[bad opt]");
                return;
            }
            appendOption(buf, kind, at + 2, length - 2);
            at += length;
        }
    }

    private void appendOption(ByteBuf buf, int kind, int data, int length) {
        switch (kind) {
            case TcpOptions.KIND_MSS -> appendSized("mss", length, 2, () -> line.append(buf.getUnsignedShort(data)));
            case TcpOptions.KIND_WINDOW_SCALE ->
                    appendSized("wscale", length, 1, () -> line.append(buf.getUnsignedByte(data)));
            case TcpOptions.KIND_SACK_PERMITTED -> appendSized("sackOK", length, 0, () -> { });
            case TcpOptions.KIND_TIMESTAMPS -> appendSized("TS", length, 8, () -> line.append("val ")
                    .append(buf.getUnsignedInt(data)).append(" ecr ").append(buf.getUnsignedInt(data + 4)));
            case TcpOptions.KIND_SACK -> {
                line.append("sack");
                if (length % SACK_BLOCK_LENGTH != 0) {
                    line.append(" invalid sack");
                    return;
                }
                line.append(' ').append(length / SACK_BLOCK_LENGTH).append(' ');
                for (int block = data; block < data + length; block += SACK_BLOCK_LENGTH) {
                    line.append('{').append(buf.getUnsignedInt(block)).append(':')
                            .append(buf.getUnsignedInt(block + 4)).append('}');
                }
            }
            default -> {
                line.append("unknown-").append(kind);
                if (length > 0) {
                    line.append(" 0x").append(ByteBufUtil.hexDump(buf, data, length));
                }
            }
        }
    }

    /** An option of a fixed data length: its name and data, then {@code [len n]} if its length field differs. */
    private void appendSized(String name, int length, int expected, Runnable data) {
        line.append(name);
        if (length >= expected) {
            if (expected > 0) {
                line.append(' ');
            }
            data.run();
        }
        if (length != expected) {
            line.append("[len ").append(length + 2).append(']');
        }
    }
}
