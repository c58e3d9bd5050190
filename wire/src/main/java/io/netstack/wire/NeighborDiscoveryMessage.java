package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * A view of a Neighbor Solicitation or Neighbor Advertisement (RFC 4861 sections 4.3 and 4.4): the ICMPv6 message
 * the IPv6 counterpart of ARP is made of.
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * |  Type 135/136 |     Code 0    |          Checksum             |
 * |R|S|O|                     Reserved                            |  (R, S, O: advertisements only)
 * |                       Target Address (128 bits)               |
 * |   Options: Type   |  Length (in units of 8 octets)  | Value ...
 * +---------------+---------------+-------------------------------+
 * </pre>
 *
 * <p>{@code wrap} checks what RFC 4861 section 7.1.1 and 7.1.2 ask of the message alone: the type, code 0, a length
 * of at least 24 bytes, a target that is not multicast, and options that all have a non-zero length and end inside
 * the message; it records the Source or Target Link-Layer Address option on the way, so the accessors read no
 * option again. A link-layer address option whose length is not that of an Ethernet address is rejected, as Linux
 * does. The checks that need the IP header are {@link #ipHeaderError(Ipv6Packet)}; the checksum is the ICMPv6
 * message's, {@link Icmpv6Packet#isChecksumValid(Ipv6Packet)}, over the same bytes.
 */
public final class NeighborDiscoveryMessage extends HeaderedPacketView {
    /** Type, code, checksum, flags and reserved bits, and the target address. */
    public static final int HEADER_LENGTH = 24;
    /** The hop limit every Neighbor Discovery message is sent with and must arrive with (RFC 4861 section 7.1). */
    public static final int HOP_LIMIT = 255;

    /** The R flag of an advertisement: the sender is a router. */
    public static final int FLAG_ROUTER = 0x8000_0000;
    /** The S flag of an advertisement: it answers a solicitation. */
    public static final int FLAG_SOLICITED = 0x4000_0000;
    /** The O flag of an advertisement: it overrides a cached link-layer address. */
    public static final int FLAG_OVERRIDE = 0x2000_0000;

    /** The Source Link-Layer Address option type. */
    public static final int OPTION_SOURCE_LINK_LAYER_ADDRESS = 1;
    /** The Target Link-Layer Address option type. */
    public static final int OPTION_TARGET_LINK_LAYER_ADDRESS = 2;
    /** Option lengths count units of 8 octets, type and length included. */
    public static final int OPTION_UNIT = 8;
    /** The length of a link-layer address option carrying an Ethernet address (RFC 2464 section 8). */
    public static final int LINK_LAYER_ADDRESS_OPTION_LENGTH = OPTION_UNIT;

    /** What the link-layer address accessors return when the message carries no such option. */
    public static final long NONE = -1;

    private static final int TYPE_OFFSET = 0;
    private static final int CODE_OFFSET = 1;
    private static final int FLAGS_OFFSET = 4;
    private static final int TARGET_OFFSET = 8;
    private static final int OPTION_LENGTH_OFFSET = 1;
    private static final int OPTION_VALUE_OFFSET = 2;

    private long sourceLinkLayerAddress;
    private long targetLinkLayerAddress;

    /** A view that wraps nothing yet: point it at message after message with {@link #wrap(ByteBuf, int, int)}. */
    public NeighborDiscoveryMessage() {
    }

    /**
     * Wraps and validates a new view over the readable bytes of {@code message}; the checksum is not verified.
     *
     * @param message the buffer whose readable bytes are the ICMPv6 message
     * @return the view
     * @throws MalformedPacketException if the message is not a valid solicitation or advertisement
     */
    public static NeighborDiscoveryMessage parse(ByteBuf message) {
        return parseOrThrow(new NeighborDiscoveryMessage(), message);
    }

    /** The fixed {@value #HEADER_LENGTH}-byte header, up to the options. */
    @Override
    public int headerLength() {
        return HEADER_LENGTH;
    }

    @Override
    DecodeError validate() {
        sourceLinkLayerAddress = NONE;
        targetLinkLayerAddress = NONE;
        if (length < HEADER_LENGTH) {
            return DecodeError.NDP_TRUNCATED;
        }
        int type = type();
        if (type != Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION && type != Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT) {
            return DecodeError.NDP_NOT_NEIGHBOR_MESSAGE;
        }
        if (buf.getUnsignedByte(offset + CODE_OFFSET) != 0) {
            return DecodeError.NDP_BAD_CODE;
        }
        if (Ipv6Address.isMulticast(buf, targetOffset())) {
            return DecodeError.NDP_MULTICAST_TARGET;
        }
        return readOptions();
    }

    /** Walks the options once, checking their lengths and remembering the link-layer addresses. */
    private DecodeError readOptions() {
        int end = offset + length;
        // Every option is at least 8 bytes, so the walk ends after at most length / 8 options.
        for (int option = offset + HEADER_LENGTH; option < end; ) {
            if (end - option < OPTION_VALUE_OFFSET) {
                return DecodeError.NDP_BAD_OPTION_LENGTH;
            }
            int optionLength = buf.getUnsignedByte(option + OPTION_LENGTH_OFFSET) * OPTION_UNIT;
            if (optionLength == 0 || optionLength > end - option) {
                return DecodeError.NDP_BAD_OPTION_LENGTH;
            }
            int type = buf.getUnsignedByte(option);
            if (type == OPTION_SOURCE_LINK_LAYER_ADDRESS || type == OPTION_TARGET_LINK_LAYER_ADDRESS) {
                if (optionLength != LINK_LAYER_ADDRESS_OPTION_LENGTH) {
                    return DecodeError.NDP_BAD_LINK_LAYER_ADDRESS_OPTION;
                }
                long mac = MacAddress.read(buf, option + OPTION_VALUE_OFFSET);
                if (type == OPTION_SOURCE_LINK_LAYER_ADDRESS) {
                    sourceLinkLayerAddress = mac;
                } else {
                    targetLinkLayerAddress = mac;
                }
            }
            // Other options (nonce, redirected header, ...) are skipped, as RFC 4861 section 4.6 asks.
            option += optionLength;
        }
        return null;
    }

    /**
     * The checks of RFC 4861 section 7.1 that need the IPv6 header the message came in: a hop limit of
     * {@value #HOP_LIMIT}, which proves that no router forwarded it; no S flag on an advertisement to a multicast
     * address; and a solicitation from the unspecified address (duplicate address detection) sent to a
     * solicited-node multicast address and carrying no Source Link-Layer Address option.
     *
     * @param packet the IPv6 packet this message was found in
     * @return {@code null} if the message is valid, or why it must be discarded
     */
    public DecodeError ipHeaderError(Ipv6Packet packet) {
        if (packet.hopLimit() != HOP_LIMIT) {
            return DecodeError.NDP_BAD_HOP_LIMIT;
        }
        if (isAdvertisement()) {
            return solicited() && packet.isDestinationMulticast() ? DecodeError.NDP_SOLICITED_TO_MULTICAST : null;
        }
        ByteBuf packetBuf = packet.buffer();
        if (Ipv6Address.UNSPECIFIED.matches(packetBuf, packet.sourceOffset())) {
            if (!Ipv6Address.isSolicitedNodeMulticast(packetBuf, packet.destinationOffset())
                    || sourceLinkLayerAddress != NONE) {
                return DecodeError.NDP_BAD_DAD_SOLICITATION;
            }
        }
        return null;
    }

    /** {@return the ICMPv6 type: {@link Icmpv6Packet#TYPE_NEIGHBOR_SOLICITATION} or ..._ADVERTISEMENT} */
    public int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    /** {@return whether this is a Neighbor Solicitation} */
    public boolean isSolicitation() {
        return type() == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION;
    }

    /** {@return whether this is a Neighbor Advertisement} */
    public boolean isAdvertisement() {
        return type() == Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT;
    }

    /** {@return the 32 bits after the checksum: an advertisement's flags, {@link #FLAG_ROUTER} and others} */
    public int flags() {
        return buf.getInt(offset + FLAGS_OFFSET);
    }

    /** {@return an advertisement's R flag: the sender is a router} */
    public boolean router() {
        return (flags() & FLAG_ROUTER) != 0;
    }

    /** {@return an advertisement's S flag: it answers a solicitation} */
    public boolean solicited() {
        return (flags() & FLAG_SOLICITED) != 0;
    }

    /** {@return an advertisement's O flag: it overrides the cached link-layer address} */
    public boolean override() {
        return (flags() & FLAG_OVERRIDE) != 0;
    }

    /**
     * Where the target address is, for {@link Ipv6Address#matches(ByteBuf, int)} and the other static readers.
     *
     * @return the absolute index of its first octet
     */
    public int targetOffset() {
        return offset + TARGET_OFFSET;
    }

    /** {@return the target address: the one solicited, or the one whose link-layer address is advertised} Allocates. */
    public Ipv6Address target() {
        return Ipv6Address.read(buf, targetOffset());
    }

    /** {@return the Source Link-Layer Address option's MAC address, see {@link MacAddress}, or {@link #NONE}} */
    public long sourceLinkLayerAddress() {
        return sourceLinkLayerAddress;
    }

    /** {@return the Target Link-Layer Address option's MAC address, see {@link MacAddress}, or {@link #NONE}} */
    public long targetLinkLayerAddress() {
        return targetLinkLayerAddress;
    }
}
