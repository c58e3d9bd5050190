package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of an ARP packet (RFC 826) for the one combination in use on Ethernet: hardware type Ethernet with 6-byte
 * addresses, protocol type IPv4 with 4-byte addresses. Other combinations are rejected as
 * {@link DecodeError#ARP_UNSUPPORTED_ADDRESS_FORMAT}.
 *
 * <pre>
 *  0       2       4    5    6       8          14         18         24         28
 * +-------+-------+----+----+-------+----------+----------+----------+----------+
 * | htype | ptype |hlen|plen| oper  |   sha    |   spa    |   tha    |   tpa    |
 * +-------+-------+----+----+-------+----------+----------+----------+----------+
 * </pre>
 *
 * <p>The accessors are named after the RFC's fields ({@code ar$hrd} is {@link #htype()}, and so on); addresses are
 * returned in their primitive forms, see {@link MacAddress} and {@link Ipv4Address}.
 */
public final class ArpPacket extends PacketView {
    /** The length of an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = 28;

    /** {@code ar$hrd} for Ethernet (RFC 826; IANA "Hardware Types"). */
    public static final int HTYPE_ETHERNET = 1;
    /** {@code ar$pro} for IPv4: its EtherType. */
    public static final int PTYPE_IPV4 = EthernetFrame.ETHERTYPE_IPV4;
    /** {@code ar$op} of a request. */
    public static final int OPER_REQUEST = 1;
    /** {@code ar$op} of a reply. */
    public static final int OPER_REPLY = 2;

    private static final int HTYPE_OFFSET = 0;
    private static final int PTYPE_OFFSET = 2;
    private static final int HLEN_OFFSET = 4;
    private static final int PLEN_OFFSET = 5;
    private static final int OPER_OFFSET = 6;
    private static final int SHA_OFFSET = 8;
    private static final int SPA_OFFSET = 14;
    private static final int THA_OFFSET = 18;
    private static final int TPA_OFFSET = 24;

    /** A view that wraps nothing yet: point it at packet after packet with {@link #wrap(ByteBuf, int, int)}. */
    public ArpPacket() {
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code packet}.
     *
     * @param packet the buffer whose readable bytes are the packet
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the packet is malformed
     */
    public static ArpPacket parse(ByteBuf packet) {
        return parseOrThrow(new ArpPacket(), packet);
    }

    @Override
    DecodeError validate() {
        // The address lengths must be read before the addresses can be found.
        if (length < SHA_OFFSET) {
            return DecodeError.ARP_TRUNCATED;
        }
        if (htype() != HTYPE_ETHERNET || ptype() != PTYPE_IPV4
                || hlen() != MacAddress.LENGTH || plen() != Ipv4Address.LENGTH) {
            return DecodeError.ARP_UNSUPPORTED_ADDRESS_FORMAT;
        }
        if (length < LENGTH) {
            return DecodeError.ARP_TRUNCATED;
        }
        length = LENGTH;
        return null;
    }

    /** {@return the hardware address space, {@code ar$hrd}} */
    public int htype() {
        return buf.getUnsignedShort(offset + HTYPE_OFFSET);
    }

    /** {@return the protocol address space, {@code ar$pro}} */
    public int ptype() {
        return buf.getUnsignedShort(offset + PTYPE_OFFSET);
    }

    /** {@return the byte length of each hardware address, {@code ar$hln}} */
    public int hlen() {
        return buf.getUnsignedByte(offset + HLEN_OFFSET);
    }

    /** {@return the byte length of each protocol address, {@code ar$pln}} */
    public int plen() {
        return buf.getUnsignedByte(offset + PLEN_OFFSET);
    }

    /** {@return the opcode, {@code ar$op}: {@link #OPER_REQUEST} or {@link #OPER_REPLY}} */
    public int oper() {
        return buf.getUnsignedShort(offset + OPER_OFFSET);
    }

    /** {@return the sender hardware address, {@code ar$sha}} */
    public long sha() {
        return MacAddress.read(buf, offset + SHA_OFFSET);
    }

    /** {@return the sender protocol address, {@code ar$spa}} */
    public int spa() {
        return Ipv4Address.read(buf, offset + SPA_OFFSET);
    }

    /** {@return the target hardware address, {@code ar$tha}; ignored (usually zero) in requests} */
    public long tha() {
        return MacAddress.read(buf, offset + THA_OFFSET);
    }

    /** {@return the target protocol address, {@code ar$tpa}} */
    public int tpa() {
        return Ipv4Address.read(buf, offset + TPA_OFFSET);
    }

    /** {@return whether the opcode is {@link #OPER_REQUEST}} */
    public boolean isRequest() {
        return oper() == OPER_REQUEST;
    }

    /** {@return whether the opcode is {@link #OPER_REPLY}} */
    public boolean isReply() {
        return oper() == OPER_REPLY;
    }

    /**
     * Whether this is a gratuitous ARP (an announcement, RFC 5227 section 2.3): the sender asks for, or answers
     * about, its own address.
     *
     * @return {@code true} if the sender and target protocol addresses are the same
     */
    public boolean isGratuitous() {
        return spa() == tpa();
    }
}
