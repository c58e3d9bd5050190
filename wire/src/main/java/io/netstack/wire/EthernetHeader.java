package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The fields of an untagged Ethernet II header (smoltcp's {@code EthernetRepr}); {@link #write} appends its
 * {@value EthernetFrame#HEADER_LENGTH} bytes.
 *
 * @param destination the destination MAC address in the low 48 bits, see {@link MacAddress}
 * @param source      the source MAC address in the low 48 bits
 * @param etherType   the payload's EtherType, e.g. {@link EthernetFrame#ETHERTYPE_IPV4}
 */
public record EthernetHeader(long destination, long source, int etherType) {
    /**
     * Checks the ranges of the fields.
     *
     * @throws IllegalArgumentException if an address has bits above the 48th, or the EtherType does not fit in 16
     */
    public EthernetHeader {
        FieldRange.mac("destination", destination);
        FieldRange.mac("source", source);
        FieldRange.unsigned("EtherType", etherType, Short.SIZE);
    }

    /**
     * The header of the answer to {@code request}: from {@code source} back to the request's sender, same EtherType.
     *
     * @param source  the answering host's MAC address
     * @param request a well-formed frame
     * @return the header
     */
    public static EthernetHeader replyTo(long source, EthernetFrame request) {
        return new EthernetHeader(request.source(), source, request.etherType());
    }

    /**
     * Appends the header at the writer index of {@code out}.
     *
     * @param out the buffer to append to
     */
    public void write(ByteBuf out) {
        write(out, destination, source, etherType);
    }

    /**
     * Appends a header of the given fields, for the builders that write from fields without a record. The fields
     * are within range.
     */
    static void write(ByteBuf out, long destination, long source, int etherType) {
        MacAddress.write(out, destination);
        MacAddress.write(out, source);
        out.writeShort(etherType);
    }

    /**
     * Writes the header in place into the {@value EthernetFrame#HEADER_LENGTH} bytes before the reader index of
     * {@code packet} and moves the reader index back over them, which makes the packet a frame without copying it:
     * the bytes there are the {@link Frames#LINK_HEADROOM} an IP-layer builder left free.
     *
     * @param packet the payload, its reader index at least {@value EthernetFrame#HEADER_LENGTH}
     * @return {@code packet}, its reader index at the Ethernet header
     * @throws IndexOutOfBoundsException if there is not enough room before the reader index
     */
    public ByteBuf prependTo(ByteBuf packet) {
        return prepend(packet, destination, source, etherType);
    }

    /**
     * {@link #prependTo} without a record, for the per-frame path of a link layer: writes a header of these fields
     * in place before the reader index of {@code packet} and moves the reader index back over it.
     *
     * @param packet      the payload, its reader index at least {@value EthernetFrame#HEADER_LENGTH}
     * @param destination the destination MAC address, see {@link MacAddress}
     * @param source      the source MAC address
     * @param etherType   the payload's EtherType
     * @return {@code packet}, its reader index at the Ethernet header
     * @throws IndexOutOfBoundsException if there is not enough room before the reader index
     */
    public static ByteBuf prepend(ByteBuf packet, long destination, long source, int etherType) {
        int start = packet.readerIndex() - EthernetFrame.HEADER_LENGTH;
        if (start < 0) {
            throw new IndexOutOfBoundsException("no room for an Ethernet header before reader index "
                    + packet.readerIndex());
        }
        packet.setShort(start, (int) (destination >>> 32))
                .setInt(start + 2, (int) destination)
                .setShort(start + 6, (int) (source >>> 32))
                .setInt(start + 8, (int) source)
                .setShort(start + 12, etherType);
        return packet.readerIndex(start);
    }
}
