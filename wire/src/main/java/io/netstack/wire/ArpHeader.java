package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * The fields of an Ethernet/IPv4 ARP packet that a sender chooses (smoltcp's {@code ArpRepr}); the packet is all
 * header, and {@link #write} appends its {@value ArpPacket#LENGTH} bytes. The fields are named as in RFC 826 and
 * {@link ArpPacket}.
 *
 * @param oper the opcode, {@link ArpPacket#OPER_REQUEST} or {@link ArpPacket#OPER_REPLY} (0 to 65535)
 * @param sha  the sender hardware address, see {@link MacAddress}
 * @param spa  the sender protocol address, see {@link Ipv4Address}
 * @param tha  the target hardware address, zero in a request
 * @param tpa  the target protocol address
 */
public record ArpHeader(int oper, long sha, int spa, long tha, int tpa) {
    /**
     * Checks the ranges of the fields.
     *
     * @throws IllegalArgumentException if the opcode does not fit in 16 bits or an address has bits above the 48th
     */
    public ArpHeader {
        FieldRange.unsigned("oper", oper, Short.SIZE);
        FieldRange.mac("sha", sha);
        FieldRange.mac("tha", tha);
    }

    /**
     * A request "who has {@code tpa}? tell {@code spa}".
     *
     * @param sha the sender's MAC address
     * @param spa the sender's IPv4 address
     * @param tpa the address asked for
     * @return the request, its target hardware address zero
     */
    public static ArpHeader request(long sha, int spa, int tpa) {
        return new ArpHeader(ArpPacket.OPER_REQUEST, sha, spa, MacAddress.ZERO.value(), tpa);
    }

    /**
     * A reply "{@code spa} is at {@code sha}" to the requester {@code tha}/{@code tpa}.
     *
     * @param sha the replying host's MAC address
     * @param spa the address asked for
     * @param tha the requester's MAC address
     * @param tpa the requester's IPv4 address
     * @return the reply
     */
    public static ArpHeader reply(long sha, int spa, long tha, int tpa) {
        return new ArpHeader(ArpPacket.OPER_REPLY, sha, spa, tha, tpa);
    }

    /**
     * Appends the packet at the writer index of {@code out}.
     *
     * @param out the buffer to append to
     */
    public void write(ByteBuf out) {
        write(out, oper, sha, spa, tha, tpa);
    }

    /**
     * Appends a packet of the given fields, for the builders that write from fields without a record. The fields
     * are within range.
     */
    static void write(ByteBuf out, int oper, long sha, int spa, long tha, int tpa) {
        out.writeShort(ArpPacket.HTYPE_ETHERNET);
        out.writeShort(ArpPacket.PTYPE_IPV4);
        out.writeByte(MacAddress.LENGTH);
        out.writeByte(Ipv4Address.LENGTH);
        out.writeShort(oper);
        MacAddress.write(out, sha);
        out.writeInt(spa);
        MacAddress.write(out, tha);
        out.writeInt(tpa);
    }
}
