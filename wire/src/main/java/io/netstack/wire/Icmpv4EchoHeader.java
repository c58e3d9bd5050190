package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The fields of an ICMP echo request or reply (RFC 792) that a sender chooses; {@link #write} appends the message
 * with its data and checksum. The code is 0.
 *
 * @param type           {@link Icmpv4Packet#TYPE_ECHO_REQUEST} or {@link Icmpv4Packet#TYPE_ECHO_REPLY}
 * @param identifier     the identifier, 0 to 65535
 * @param sequenceNumber the sequence number, 0 to 65535
 */
public record Icmpv4EchoHeader(int type, int identifier, int sequenceNumber) {
    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if the type is not an echo's, or a field does not fit in 16 bits
     */
    public Icmpv4EchoHeader {
        if (type != Icmpv4Packet.TYPE_ECHO_REQUEST && type != Icmpv4Packet.TYPE_ECHO_REPLY) {
            throw new IllegalArgumentException("not an echo request or reply type: " + type);
        }
        FieldRange.unsigned("identifier", identifier, Short.SIZE);
        FieldRange.unsigned("sequence number", sequenceNumber, Short.SIZE);
    }

    /**
     * The header of the reply to {@code request}: same identifier and sequence number, which is what {@code ping}
     * matches.
     *
     * @param request a well-formed echo request
     * @return the reply's header
     */
    public static Icmpv4EchoHeader replyTo(Icmpv4Packet request) {
        return new Icmpv4EchoHeader(Icmpv4Packet.TYPE_ECHO_REPLY, request.identifier(), request.sequenceNumber());
    }

    /**
     * Appends the message carrying {@code length} bytes of {@code data} from absolute index {@code index} as its
     * echo data (RFC 792: a reply returns the request's data unchanged), checksum included.
     *
     * @param out    the buffer to append to
     * @param data   the buffer holding the data
     * @param index  the absolute index of the data in {@code data}
     * @param length the data's length in bytes
     */
    public void write(ByteBuf out, ByteBuf data, int index, int length) {
        write(out, type, identifier, sequenceNumber, data, index, length);
    }

    /**
     * Appends a message of the given fields, for the builders that write from a parsed packet without a record.
     * The fields are within range.
     */
    static void write(ByteBuf out, int type, int identifier, int sequenceNumber, ByteBuf data, int index,
                      int length) {
        int start = out.writerIndex();
        out.writeByte(type);
        out.writeByte(0);
        out.writeShort(0);
        out.writeShort(identifier);
        out.writeShort(sequenceNumber);
        Frames.writeData(out, data, index, length);
        out.setShort(start + Icmpv4Packet.CHECKSUM_OFFSET,
                InternetChecksum.checksum(out, start, Icmpv4Packet.HEADER_LENGTH + length));
    }
}
