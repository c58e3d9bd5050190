package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of an Ethernet II frame (IEEE 802.3 with an EtherType), optionally carrying one 802.1Q VLAN tag or a stack
 * of two (802.1ad "QinQ": an outer service tag and an inner customer tag), without the frame check sequence, which
 * neither a TAP device nor a packet socket delivers.
 *
 * <pre>
 *  0                   6                  12        [12 + 4n]      14 + 4n
 * +-------------------+-------------------+---------+--------------+---------+----------------------
 * | destination MAC   | source MAC        | TPID    | TCI          | ...     | EtherType | payload
 * +-------------------+-------------------+---------+--------------+---------+----------------------
 *                                          \____ n = 0..2 VLAN tags ______/
 * </pre>
 *
 * <p>{@link #etherType()} is the type of the payload, after any tags. The payload may end with padding up to the
 * 60-byte minimum frame: Ethernet has no length field to tell, so the upper layer's own length must be used, as
 * {@link Ipv4Packet} does with its total length.
 */
public final class EthernetFrame extends HeaderedPacketView {
    /** Destination, source and EtherType, without VLAN tags. */
    public static final int HEADER_LENGTH = 14;
    /** The smallest frame a NIC sends, without its 4-byte FCS: shorter payloads are padded. */
    public static final int MIN_FRAME_LENGTH = 60;
    /** The length of one 802.1Q tag: the TPID and the TCI. */
    public static final int VLAN_TAG_LENGTH = 4;
    /** At most a service tag and a customer tag are accepted; deeper stacks are rejected as malformed. */
    public static final int MAX_VLAN_TAGS = 2;

    /** The EtherType of IPv4. */
    public static final int ETHERTYPE_IPV4 = 0x0800;
    /** The EtherType of ARP. */
    public static final int ETHERTYPE_ARP = 0x0806;
    /** The TPID of an IEEE 802.1Q customer VLAN tag. */
    public static final int ETHERTYPE_VLAN = 0x8100;
    /** The EtherType of IPv6. */
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    /** The TPID of an IEEE 802.1ad service VLAN tag, the outer tag of QinQ. */
    public static final int ETHERTYPE_QINQ = 0x88a8;

    private static final int DESTINATION_OFFSET = 0;
    private static final int SOURCE_OFFSET = 6;
    private static final int TYPE_OFFSET = 12;
    private static final int PCP_SHIFT = 13;
    private static final int DEI_BIT = 0x1000;
    private static final int VID_MASK = 0x0fff;

    private int vlanTagCount;

    /** A view that wraps nothing yet: point it at frame after frame with {@link #wrap(ByteBuf)}. */
    public EthernetFrame() {
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code frame}.
     *
     * @param frame the buffer whose readable bytes are the frame
     * @return the new view, wrapped and well-formed
     * @throws MalformedPacketException if the frame is malformed
     */
    public static EthernetFrame parse(ByteBuf frame) {
        return parseOrThrow(new EthernetFrame(), frame);
    }

    @Override
    DecodeError validate() {
        vlanTagCount = 0;
        if (length < HEADER_LENGTH) {
            return DecodeError.ETHERNET_TRUNCATED;
        }
        while (isVlanTpid(buf.getUnsignedShort(typeIndex()))) {
            if (vlanTagCount == MAX_VLAN_TAGS) {
                return DecodeError.ETHERNET_TOO_MANY_VLAN_TAGS;
            }
            if (length < HEADER_LENGTH + (vlanTagCount + 1) * VLAN_TAG_LENGTH) {
                return DecodeError.ETHERNET_TRUNCATED;
            }
            vlanTagCount++;
        }
        return null;
    }

    private static boolean isVlanTpid(int type) {
        return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ;
    }

    /** The absolute index of the EtherType that follows the tags found so far. */
    private int typeIndex() {
        return offset + TYPE_OFFSET + vlanTagCount * VLAN_TAG_LENGTH;
    }

    /** {@return the destination MAC address in the low 48 bits} */
    public long destination() {
        return MacAddress.read(buf, offset + DESTINATION_OFFSET);
    }

    /** {@return the source MAC address in the low 48 bits} */
    public long source() {
        return MacAddress.read(buf, offset + SOURCE_OFFSET);
    }

    /** {@return the destination address as an object} Allocates. */
    public MacAddress destinationAddress() {
        return new MacAddress(destination());
    }

    /** {@return the source address as an object} Allocates. */
    public MacAddress sourceAddress() {
        return new MacAddress(source());
    }

    /** {@return the EtherType of the payload, after any VLAN tags} */
    public int etherType() {
        return buf.getUnsignedShort(typeIndex());
    }

    /** {@return how many VLAN tags precede the EtherType: 0, 1, or 2 for QinQ} */
    public int vlanTagCount() {
        return vlanTagCount;
    }

    /**
     * The TPID of VLAN tag {@code tag}.
     *
     * @param tag which tag, 0 being the outermost, below {@link #vlanTagCount()}
     * @return {@link #ETHERTYPE_VLAN} or {@link #ETHERTYPE_QINQ}
     * @throws IndexOutOfBoundsException if there is no such tag
     */
    public int vlanTpid(int tag) {
        return buf.getUnsignedShort(tagIndex(tag));
    }

    /**
     * The tag control information of VLAN tag {@code tag}.
     *
     * @param tag which tag, 0 being the outermost, below {@link #vlanTagCount()}
     * @return the TCI: PCP, DEI and VID
     * @throws IndexOutOfBoundsException if there is no such tag
     */
    public int vlanTci(int tag) {
        return buf.getUnsignedShort(tagIndex(tag) + 2);
    }

    /**
     * The priority code point (IEEE 802.1p class of service) of VLAN tag {@code tag}.
     *
     * @param tag which tag, 0 being the outermost, below {@link #vlanTagCount()}
     * @return the PCP, 0 to 7
     * @throws IndexOutOfBoundsException if there is no such tag
     */
    public int vlanPcp(int tag) {
        return vlanTci(tag) >>> PCP_SHIFT;
    }

    /**
     * The drop eligible indicator of VLAN tag {@code tag}.
     *
     * @param tag which tag, 0 being the outermost, below {@link #vlanTagCount()}
     * @return whether DEI is set
     * @throws IndexOutOfBoundsException if there is no such tag
     */
    public boolean vlanDei(int tag) {
        return (vlanTci(tag) & DEI_BIT) != 0;
    }

    /**
     * The VLAN identifier of VLAN tag {@code tag}.
     *
     * @param tag which tag, 0 being the outermost, below {@link #vlanTagCount()}
     * @return the VID, 0 to 4095
     * @throws IndexOutOfBoundsException if there is no such tag
     */
    public int vlanId(int tag) {
        return vlanTci(tag) & VID_MASK;
    }

    private int tagIndex(int tag) {
        if (tag < 0 || tag >= vlanTagCount) {
            throw new IndexOutOfBoundsException("VLAN tag " + tag + " of " + vlanTagCount);
        }
        return offset + TYPE_OFFSET + tag * VLAN_TAG_LENGTH;
    }

    /** {@return the header's length: 14 bytes plus 4 per VLAN tag} */
    @Override
    public int headerLength() {
        return HEADER_LENGTH + vlanTagCount * VLAN_TAG_LENGTH;
    }
}
