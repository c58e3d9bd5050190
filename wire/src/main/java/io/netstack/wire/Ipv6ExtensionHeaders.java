package io.netstack.wire;

import io.netty.buffer.ByteBuf;

/**
 * Walks the extension headers of an IPv6 packet as a destination host processes them (RFC 8200 section 4), and
 * tells what to do with the packet: deliver its upper-layer payload, or drop it, silently or with an ICMPv6
 * Parameter Problem.
 *
 * <p>Like a view, a walker is reusable: a handler keeps one and calls {@link #walk(Ipv6Packet)} for each packet,
 * which reads the headers in place and allocates nothing. Every header is at least eight bytes and every option at
 * least one, so the work is bounded by the packet's length, and no input makes it throw.
 *
 * <p>What the walk does with each header:
 * <ul>
 *   <li>Hop-by-Hop Options ({@value #HOP_BY_HOP}), only right after the fixed header: elsewhere, a Parameter
 *       Problem, code 1, pointing at the Next Header field that names it (section 4.1). Its options and those of the
 *       Destination Options header ({@value #DESTINATION_OPTIONS}) are processed as section 4.2 says: Pad1 and
 *       PadN skipped, an unrecognized option by the two high bits of its type: skip it, discard the packet, discard
 *       it with a Parameter Problem, code 2, pointing at the option's type, or the same only if the destination is
 *       not multicast. This host recognizes no option but the padding.</li>
 *   <li>Routing ({@value #ROUTING}): ignored when Segments Left is 0; otherwise a Parameter Problem, code 0,
 *       pointing at the Routing Type (section 4.4), since a host forwards nothing and so acts on no routing type.</li>
 *   <li>Fragment ({@value #FRAGMENT}): an atomic fragment, offset 0 and M clear, is processed as the whole packet
 *       (RFC 6946); any other fragment is reported as {@link Verdict#FRAGMENT}, with its offset, M flag and
 *       identification, since this host does not reassemble.</li>
 *   <li>No Next Header ({@value #NO_NEXT_HEADER}): nothing to deliver.</li>
 *   <li>Any other value names the upper-layer protocol. Whether the host knows it is the caller's to decide: if
 *       not, RFC 8200 asks for a Parameter Problem, code 1, pointing at {@link #nextHeaderPointer()}.</li>
 * </ul>
 * A header or option that runs past the payload makes the packet undecodable, and it is discarded silently, as
 * Linux does.
 */
public final class Ipv6ExtensionHeaders {
    /** What the walk found, and so what the host does with the packet. */
    public enum Verdict {
        /**
         * Deliver the upper-layer packet at {@link Ipv6ExtensionHeaders#upperLayerOffset()} to
         * {@link Ipv6ExtensionHeaders#upperLayerProtocol()}.
         */
        UPPER_LAYER,
        /** A fragment other than an atomic one: drop it, since this host does not reassemble. */
        FRAGMENT,
        /** No Next Header: nothing follows, drop it. */
        NO_NEXT_HEADER,
        /** Discard the packet without an answer; {@link Ipv6ExtensionHeaders#error()} tells why. */
        DISCARD,
        /**
         * Discard the packet and answer with an ICMPv6 Parameter Problem of
         * {@link Ipv6ExtensionHeaders#parameterProblemCode()} and
         * {@link Ipv6ExtensionHeaders#parameterProblemPointer()}, unless the rules for ICMP errors forbid one
         * (RFC 4443 section 2.4). Of those rules, (e) allows code 2 in answer to a packet to a multicast address;
         * the walk reports code 2 for such a packet only where RFC 8200 asks for it, so a host sends code 2
         * whatever the destination, and the other codes only to a packet that was not sent to a multicast address.
         */
        PARAMETER_PROBLEM
    }

    /** The Next Header value of the Hop-by-Hop Options header. */
    public static final int HOP_BY_HOP = 0;
    /** The Next Header value of the Routing header. */
    public static final int ROUTING = 43;
    /** The Next Header value of the Fragment header. */
    public static final int FRAGMENT = 44;
    /** The Next Header value that says nothing follows. */
    public static final int NO_NEXT_HEADER = 59;
    /** The Next Header value of the Destination Options header. */
    public static final int DESTINATION_OPTIONS = 60;

    /** The option type of Pad1, a single byte without length. */
    public static final int OPTION_PAD1 = 0;
    /** The option type of PadN. */
    public static final int OPTION_PADN = 1;

    /** The two high bits of an option type: what to do if it is not recognized. */
    private static final int ACTION_SHIFT = 6;
    private static final int ACTION_SKIP = 0;
    private static final int ACTION_DISCARD = 1;
    private static final int ACTION_DISCARD_AND_REPORT = 2;

    /** Extension header lengths count 8-octet units, not including the first 8 octets. */
    private static final int LENGTH_UNIT = 8;
    private static final int HEADER_LENGTH_OFFSET = 1;
    private static final int ROUTING_TYPE_OFFSET = 2;
    private static final int SEGMENTS_LEFT_OFFSET = 3;
    private static final int FRAGMENT_LENGTH = 8;
    private static final int FRAGMENT_OFFSET_FIELD = 2;
    private static final int IDENTIFICATION_OFFSET = 4;
    private static final int FRAGMENT_OFFSET_MASK = 0xfff8;
    private static final int MORE_FRAGMENTS = 1;
    /** Type and length bytes of an option other than Pad1. */
    private static final int OPTION_HEADER_LENGTH = 2;

    private Ipv6Packet packet;
    private Verdict verdict;
    private DecodeError error;
    private int nextHeaderPointer;
    private int upperLayerProtocol;
    private int upperLayerOffset;
    private int parameterProblemCode;
    private int parameterProblemPointer;
    private int fragmentOffset;
    private boolean moreFragments;
    private long identification;

    /** A walker that has walked nothing yet. */
    public Ipv6ExtensionHeaders() {
    }

    /**
     * Walks the extension headers of {@code packet}, from its first Next Header to the upper-layer protocol or to
     * the header that decides the packet's fate.
     *
     * @param packet a well-formed packet
     * @return what the host does with it; the accessors of this walker tell the details
     */
    public Verdict walk(Ipv6Packet packet) {
        this.packet = packet;
        error = null;
        moreFragments = false;
        fragmentOffset = 0;
        identification = 0;
        verdict = walkHeaders();
        return verdict;
    }

    private Verdict walkHeaders() {
        ByteBuf buf = packet.buffer();
        int ipStart = packet.offset();
        int end = ipStart + packet.length();
        int nextHeaderField = ipStart + Ipv6Packet.NEXT_HEADER_OFFSET;
        int header = ipStart + Ipv6Packet.HEADER_LENGTH;
        // Each header is at least 8 bytes, so the loop ends after at most a payload's length / 8 headers.
        while (true) {
            int type = buf.getUnsignedByte(nextHeaderField);
            nextHeaderPointer = nextHeaderField - ipStart;
            upperLayerProtocol = type;
            upperLayerOffset = header;
            switch (type) {
                case HOP_BY_HOP, DESTINATION_OPTIONS -> {
                    if (type == HOP_BY_HOP && header != ipStart + Ipv6Packet.HEADER_LENGTH) {
                        return parameterProblem(DecodeError.IPV6_HOP_BY_HOP_NOT_FIRST,
                                Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER, nextHeaderField);
                    }
                    int length = optionsHeaderLength(buf, header, end);
                    if (length < 0) {
                        return discard(DecodeError.IPV6_EXTENSION_HEADER_TRUNCATED);
                    }
                    Verdict optionsVerdict = processOptions(buf, header, header + length);
                    if (optionsVerdict != null) {
                        return optionsVerdict;
                    }
                    nextHeaderField = header;
                    header += length;
                }
                case ROUTING -> {
                    int length = optionsHeaderLength(buf, header, end);
                    if (length < 0) {
                        return discard(DecodeError.IPV6_EXTENSION_HEADER_TRUNCATED);
                    }
                    if (buf.getUnsignedByte(header + SEGMENTS_LEFT_OFFSET) != 0) {
                        return parameterProblem(DecodeError.IPV6_ROUTING_SEGMENTS_LEFT,
                                Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD, header + ROUTING_TYPE_OFFSET);
                    }
                    nextHeaderField = header;
                    header += length;
                }
                case FRAGMENT -> {
                    if (end - header < FRAGMENT_LENGTH) {
                        return discard(DecodeError.IPV6_EXTENSION_HEADER_TRUNCATED);
                    }
                    int offsetAndFlags = buf.getUnsignedShort(header + FRAGMENT_OFFSET_FIELD);
                    if (offsetAndFlags != 0) {
                        fragmentOffset = offsetAndFlags & FRAGMENT_OFFSET_MASK;
                        moreFragments = (offsetAndFlags & MORE_FRAGMENTS) != 0;
                        identification = buf.getUnsignedInt(header + IDENTIFICATION_OFFSET);
                        nextHeaderPointer = header - ipStart;
                        upperLayerProtocol = buf.getUnsignedByte(header);
                        upperLayerOffset = header + FRAGMENT_LENGTH;
                        error = DecodeError.IPV6_FRAGMENT;
                        return Verdict.FRAGMENT;
                    }
                    // An atomic fragment (RFC 6946): offset 0, M clear, reserved bits ignored; the whole packet.
                    nextHeaderField = header;
                    header += FRAGMENT_LENGTH;
                }
                case NO_NEXT_HEADER -> {
                    error = DecodeError.IPV6_NO_NEXT_HEADER;
                    return Verdict.NO_NEXT_HEADER;
                }
                default -> {
                    return Verdict.UPPER_LAYER;
                }
            }
        }
    }

    /** The length of the Hop-by-Hop, Destination Options or Routing header at {@code header}, or -1 if it is cut. */
    private static int optionsHeaderLength(ByteBuf buf, int header, int end) {
        if (end - header < LENGTH_UNIT) {
            return -1;
        }
        int length = (buf.getUnsignedByte(header + HEADER_LENGTH_OFFSET) + 1) * LENGTH_UNIT;
        return length <= end - header ? length : -1;
    }

    /**
     * Processes the options of the header at {@code header}, which ends at {@code end}.
     *
     * @return {@code null} to go on with the next header, or the verdict that ends the walk
     */
    private Verdict processOptions(ByteBuf buf, int header, int end) {
        int option = header + OPTION_HEADER_LENGTH;
        while (option < end) {
            int type = buf.getUnsignedByte(option);
            if (type == OPTION_PAD1) {
                option++;
                continue;
            }
            if (end - option < OPTION_HEADER_LENGTH) {
                return discard(DecodeError.IPV6_EXTENSION_HEADER_TRUNCATED);
            }
            int next = option + OPTION_HEADER_LENGTH + buf.getUnsignedByte(option + 1);
            if (next > end) {
                return discard(DecodeError.IPV6_EXTENSION_HEADER_TRUNCATED);
            }
            if (type != OPTION_PADN) {
                switch (type >>> ACTION_SHIFT) {
                    case ACTION_SKIP -> { }
                    case ACTION_DISCARD -> {
                        return discard(DecodeError.IPV6_UNRECOGNIZED_OPTION);
                    }
                    case ACTION_DISCARD_AND_REPORT -> {
                        return unrecognizedOption(option);
                    }
                    default -> {
                        if (packet.isDestinationMulticast()) {
                            return discard(DecodeError.IPV6_UNRECOGNIZED_OPTION);
                        }
                        return unrecognizedOption(option);
                    }
                }
            }
            option = next;
        }
        return null;
    }

    private Verdict unrecognizedOption(int option) {
        return parameterProblem(DecodeError.IPV6_UNRECOGNIZED_OPTION, Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, option);
    }

    private Verdict parameterProblem(DecodeError reason, int code, int field) {
        error = reason;
        parameterProblemCode = code;
        parameterProblemPointer = field - packet.offset();
        return Verdict.PARAMETER_PROBLEM;
    }

    private Verdict discard(DecodeError reason) {
        error = reason;
        return Verdict.DISCARD;
    }

    /** {@return the verdict of the last walk} */
    public Verdict verdict() {
        return verdict;
    }

    /** {@return why the packet is not delivered, or {@code null} if the verdict is {@link Verdict#UPPER_LAYER}} */
    public DecodeError error() {
        return error;
    }

    /**
     * The upper-layer protocol: for {@link Verdict#UPPER_LAYER} the Next Header value after the last extension
     * header, e.g. {@link Ipv6Packet#PROTOCOL_ICMPV6}; for {@link Verdict#FRAGMENT} the fragment header's.
     *
     * @return the protocol number
     */
    public int upperLayerProtocol() {
        return upperLayerProtocol;
    }

    /** {@return the absolute index of the upper-layer packet (for a fragment, of the fragment's data)} */
    public int upperLayerOffset() {
        return upperLayerOffset;
    }

    /**
     * The length of the upper-layer packet: what the payload length leaves after the extension headers. This, not
     * the payload length, is the upper-layer length of the pseudo-header (RFC 8200 section 8.1).
     *
     * @return the length in bytes
     */
    public int upperLayerLength() {
        return packet.offset() + packet.length() - upperLayerOffset;
    }

    /**
     * Where the Next Header field naming {@link #upperLayerProtocol()} is: the pointer of the Parameter Problem,
     * code 1, that a host sends for a protocol it does not know.
     *
     * @return the field's offset from the start of the IPv6 header
     */
    public int nextHeaderPointer() {
        return nextHeaderPointer;
    }

    /**
     * Points {@code view} at the upper-layer packet, e.g. an {@link Icmpv6Packet} or a {@link UdpDatagram}.
     *
     * @param view the view of the upper-layer protocol
     * @return what {@link PacketView#wrap(ByteBuf, int, int)} returns
     */
    public boolean wrapUpperLayer(PacketView view) {
        return view.wrap(packet.buffer(), upperLayerOffset, upperLayerLength());
    }

    /**
     * The code of the Parameter Problem to send, for {@link Verdict#PARAMETER_PROBLEM}.
     *
     * @return {@link Icmpv6Packet#CODE_ERRONEOUS_HEADER_FIELD}, {@link Icmpv6Packet#CODE_UNRECOGNIZED_NEXT_HEADER}
     *         or {@link Icmpv6Packet#CODE_UNRECOGNIZED_OPTION}
     */
    public int parameterProblemCode() {
        return parameterProblemCode;
    }

    /**
     * The pointer of the Parameter Problem to send, for {@link Verdict#PARAMETER_PROBLEM}.
     *
     * @return the offset of the offending byte from the start of the IPv6 header
     */
    public int parameterProblemPointer() {
        return parameterProblemPointer;
    }

    /** {@return a fragment's offset in bytes into the original packet's fragmentable part, for a fragment} */
    public int fragmentOffset() {
        return fragmentOffset;
    }

    /** {@return a fragment's M flag: more fragments follow} */
    public boolean moreFragments() {
        return moreFragments;
    }

    /** {@return a fragment's identification, which tells the fragments of one packet, as an unsigned 32-bit value} */
    public long identification() {
        return identification;
    }
}
