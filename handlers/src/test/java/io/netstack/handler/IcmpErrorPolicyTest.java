package io.netstack.handler;

import io.netstack.wire.Icmpv4Packet;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Every rule of RFC 1122 section 3.2.2 and RFC 4443 section 2.4(e), on packets built byte by byte. */
class IcmpErrorPolicyTest {
    private static final String KERNEL = "192.0.2.1";
    private static final String HOST = "192.0.2.2";
    private static final String KERNEL6 = "2001:db8::1";
    private static final String HOST6 = "2001:db8::2";
    private static final int UDP = Ipv4Packet.PROTOCOL_UDP;
    private static final int ICMP = Ipv4Packet.PROTOCOL_ICMP;
    private static final int ICMPV6_DESTINATION_UNREACHABLE = 1;
    private static final int ICMPV6_PORT_UNREACHABLE = 4;
    private static final int ICMPV6_PACKET_TOO_BIG = 2;
    private static final int ICMPV6_PARAMETER_PROBLEM = 4;
    private static final int ICMPV6_UNRECOGNIZED_OPTION = 2;
    /** Where the option type sits in {@link #ipv6WithOption}: after the fixed header and two bytes of hop-by-hop. */
    private static final int OPTION_POINTER = 42;

    private final IcmpErrorPolicy policy = new IcmpErrorPolicy();
    private final List<ByteBuf> buffers = new ArrayList<>();

    @AfterEach
    void release() {
        buffers.forEach(ByteBuf::release);
    }

    @Test
    void allowsAnErrorAboutADatagramFromOneHostToAnother() {
        assertNull(policy.checkIpv4(ipv4(KERNEL, HOST, UDP, 0, 8), false));
    }

    @Test
    void forbidsAnErrorAboutALinkLayerBroadcastOrMulticast() {
        assertEquals(IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION,
                policy.checkIpv4(ipv4(KERNEL, HOST, UDP, 0, 8), true));
    }

    @Test
    void forbidsAnErrorAboutADatagramToABroadcastOrMulticastAddress() {
        for (String destination : new String[] {"224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1"}) {
            assertEquals(IcmpErrorSuppression.NON_UNICAST_DESTINATION,
                    policy.checkIpv4(ipv4(KERNEL, destination, UDP, 0, 8), false), destination);
        }
    }

    @Test
    void forbidsAnErrorAboutADatagramToADirectedBroadcastTheHostKnows() {
        int subnetBroadcast = Ipv4Address.parse("192.0.2.255").value();
        IcmpErrorPolicy withSubnet = new IcmpErrorPolicy(address -> address == subnetBroadcast);
        Ipv4Packet toSubnet = ipv4(KERNEL, "192.0.2.255", UDP, 0, 8);
        assertEquals(IcmpErrorSuppression.NON_UNICAST_DESTINATION, withSubnet.checkIpv4(toSubnet, false));
        assertNull(policy.checkIpv4(toSubnet, false), "unknown to a host without subnets");
        assertEquals(IcmpErrorSuppression.NON_UNICAST_SOURCE,
                withSubnet.checkIpv4(ipv4("192.0.2.255", HOST, UDP, 0, 8), false));
    }

    @Test
    void forbidsAnErrorToASourceThatIsNotOneHost() {
        for (String source : new String[] {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.0.9", "224.0.0.5",
                                           "239.1.1.1", "240.0.0.1", "255.255.255.255"}) {
            assertEquals(IcmpErrorSuppression.NON_UNICAST_SOURCE,
                    policy.checkIpv4(ipv4(source, HOST, UDP, 0, 8), false), source);
        }
        for (String source : new String[] {"1.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.254"}) {
            assertNull(policy.checkIpv4(ipv4(source, HOST, UDP, 0, 8), false), source);
        }
    }

    @Test
    void forbidsAnErrorAboutANonInitialFragmentOnly() {
        assertEquals(IcmpErrorSuppression.NON_INITIAL_FRAGMENT,
                policy.checkIpv4(ipv4(KERNEL, HOST, UDP, 185, 8), false));
        assertEquals(IcmpErrorSuppression.NON_INITIAL_FRAGMENT,
                policy.checkIpv4(ipv4(KERNEL, HOST, ICMP, 1, 0), false), "even without the ICMP header");
        // The first fragment: MF set, offset 0.
        assertNull(policy.checkIpv4(ipv4(KERNEL, HOST, UDP, 0x2000, 8), false));
    }

    @Test
    void forbidsAnErrorAboutAnIcmpErrorOrAnUnknownType() {
        for (int type : new int[] {Icmpv4Packet.TYPE_DESTINATION_UNREACHABLE, Icmpv4Packet.TYPE_SOURCE_QUENCH,
                                   Icmpv4Packet.TYPE_REDIRECT, Icmpv4Packet.TYPE_TIME_EXCEEDED,
                                   Icmpv4Packet.TYPE_PARAMETER_PROBLEM, 42}) {
            Ipv4Packet packet = ipv4(KERNEL, HOST, ICMP, 0, 8);
            packet.buffer().setByte(packet.payloadOffset(), type);
            assertEquals(IcmpErrorSuppression.ABOUT_ICMP_ERROR, policy.checkIpv4(packet, false), "type " + type);
        }
        Ipv4Packet firstFragment = ipv4(KERNEL, HOST, ICMP, 0x2000, 8);
        firstFragment.buffer().setByte(firstFragment.payloadOffset(), Icmpv4Packet.TYPE_TIME_EXCEEDED);
        assertEquals(IcmpErrorSuppression.ABOUT_ICMP_ERROR, policy.checkIpv4(firstFragment, false));
    }

    @Test
    void forbidsAnErrorAboutAnIcmpMessageTooShortToShowItsType() {
        assertEquals(IcmpErrorSuppression.ABOUT_ICMP_ERROR, policy.checkIpv4(ipv4(KERNEL, HOST, ICMP, 0, 0), false));
    }

    @Test
    void allowsAnErrorAboutAQuery() {
        Ipv4Packet echo = ipv4(KERNEL, HOST, ICMP, 0, 8);
        echo.buffer().setByte(echo.payloadOffset(), Icmpv4Packet.TYPE_ECHO_REQUEST);
        assertNull(policy.checkIpv4(echo, false));
    }

    @Test
    void allowsAnIcmpv6ErrorAboutAPacketFromOneNodeToAnother() {
        assertNull(portUnreachable(ipv6(KERNEL6, HOST6), false, IcmpErrorPolicy.NOT_ICMPV6));
        assertNull(portUnreachable(ipv6(KERNEL6, HOST6), false, 128), "about an echo request");
    }

    @Test
    void forbidsAnIcmpv6ErrorAboutAMulticastPacket() {
        assertEquals(IcmpErrorSuppression.NON_UNICAST_DESTINATION,
                portUnreachable(ipv6(KERNEL6, "ff02::1"), false, IcmpErrorPolicy.NOT_ICMPV6));
        assertEquals(IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION,
                portUnreachable(ipv6(KERNEL6, HOST6), true, IcmpErrorPolicy.NOT_ICMPV6));
    }

    @Test
    void allowsAPacketTooBigAboutAMulticastPacket() {
        Ipv6Packet multicast = ipv6(KERNEL6, "ff0e::101");
        assertNull(policy.checkIpv6(multicast, true, IcmpErrorPolicy.NOT_ICMPV6, ICMPV6_PACKET_TOO_BIG, 0, 0));
    }

    @Test
    void allowsAParameterProblemAboutAMulticastPacketOnlyForAnOptionWhoseHighBitsAre10() {
        assertNull(unrecognizedOption(0x80, OPTION_POINTER), "action 10: report, whatever the destination");
        assertNull(unrecognizedOption(0xbf, OPTION_POINTER));
        assertNull(unrecognizedOption(0x00, 1000), "an option out of reach is assumed to ask for a report");
        for (int optionType : new int[] {0x00, 0x40, 0xc2}) {
            assertEquals(IcmpErrorSuppression.NON_UNICAST_DESTINATION, unrecognizedOption(optionType, OPTION_POINTER),
                    "option type " + optionType);
        }
        Ipv6Packet multicast = ipv6WithOption("ff02::1", 0x80);
        assertNull(policy.checkIpv6(multicast, true, IcmpErrorPolicy.NOT_ICMPV6, ICMPV6_PARAMETER_PROBLEM,
                ICMPV6_UNRECOGNIZED_OPTION, OPTION_POINTER), "nor as a link-layer multicast");
        assertEquals(IcmpErrorSuppression.LINK_LAYER_GROUP_DESTINATION, policy.checkIpv6(ipv6WithOption(HOST6, 0),
                true, IcmpErrorPolicy.NOT_ICMPV6, ICMPV6_PARAMETER_PROBLEM, ICMPV6_UNRECOGNIZED_OPTION,
                OPTION_POINTER));
        assertEquals(IcmpErrorSuppression.NON_UNICAST_DESTINATION, policy.checkIpv6(multicast, false,
                IcmpErrorPolicy.NOT_ICMPV6, ICMPV6_PARAMETER_PROBLEM, 0, OPTION_POINTER), "code 0 has no exception");
    }

    @Test
    void forbidsAnIcmpv6ErrorToASourceThatIsNotOneNode() {
        for (String source : new String[] {"::", "::1", "::ffff:192.0.2.1", "ff02::1", "ff05::2"}) {
            assertEquals(IcmpErrorSuppression.NON_UNICAST_SOURCE,
                    portUnreachable(ipv6(source, HOST6), false, IcmpErrorPolicy.NOT_ICMPV6), source);
        }
        for (String source : new String[] {"::2", "fe80::1", "::ffff:0:0:1", "fe00::1"}) {
            assertNull(portUnreachable(ipv6(source, HOST6), false, IcmpErrorPolicy.NOT_ICMPV6), source);
        }
    }

    @Test
    void forbidsAnIcmpv6ErrorAboutAnErrorARedirectOrATruncatedMessage() {
        for (int type : new int[] {1, 2, 3, 4, 100, 127, 137, IcmpErrorPolicy.TRUNCATED_ICMPV6}) {
            assertEquals(IcmpErrorSuppression.ABOUT_ICMP_ERROR, portUnreachable(ipv6(KERNEL6, HOST6), false, type),
                    "type " + type);
        }
        for (int type : new int[] {128, 129, 135, 136, 255}) {
            assertNull(portUnreachable(ipv6(KERNEL6, HOST6), false, type), "type " + type);
        }
    }

    private IcmpErrorSuppression portUnreachable(Ipv6Packet invoking, boolean linkLayerGroup, int invokingType) {
        return policy.checkIpv6(invoking, linkLayerGroup, invokingType, ICMPV6_DESTINATION_UNREACHABLE,
                ICMPV6_PORT_UNREACHABLE, 0);
    }

    private IcmpErrorSuppression unrecognizedOption(int optionType, int pointer) {
        return policy.checkIpv6(ipv6WithOption("ff02::1", optionType), false, IcmpErrorPolicy.NOT_ICMPV6,
                ICMPV6_PARAMETER_PROBLEM, ICMPV6_UNRECOGNIZED_OPTION, pointer);
    }

    /**
     * An IPv4 packet with a 20-byte header and {@code payloadLength} zero bytes after it.
     *
     * @param flagsAndOffset the flags and fragment offset field, e.g. 0x2000 for MF
     */
    private Ipv4Packet ipv4(String source, String destination, int protocol, int flagsAndOffset,
                            int payloadLength) {
        ByteBuf packet = track(Unpooled.buffer());
        packet.writeByte(0x45).writeByte(0).writeShort(Ipv4Packet.MIN_HEADER_LENGTH + payloadLength)
                .writeShort(1).writeShort(flagsAndOffset).writeByte(64).writeByte(protocol).writeShort(0)
                .writeInt(Ipv4Address.parse(source).value()).writeInt(Ipv4Address.parse(destination).value())
                .writeZero(payloadLength);
        return Ipv4Packet.parse(packet);
    }

    /** An IPv6 packet carrying an 8-byte UDP header. */
    private Ipv6Packet ipv6(String source, String destination) {
        ByteBuf packet = ipv6Header(source, destination, Ipv4Packet.PROTOCOL_UDP, 8);
        packet.writeZero(8);
        return Ipv6Packet.parse(packet);
    }

    /** An IPv6 packet whose hop-by-hop header holds one option of {@code optionType}, at {@link #OPTION_POINTER}. */
    private Ipv6Packet ipv6WithOption(String destination, int optionType) {
        ByteBuf packet = ipv6Header(KERNEL6, destination, 0, 8);
        packet.writeByte(59).writeByte(0).writeByte(optionType).writeByte(4).writeZero(4);
        return Ipv6Packet.parse(packet);
    }

    private ByteBuf ipv6Header(String source, String destination, int nextHeader, int payloadLength) {
        ByteBuf packet = track(Unpooled.buffer());
        packet.writeInt(0x6000_0000).writeShort(payloadLength).writeByte(nextHeader).writeByte(64)
                .writeBytes(ipv6Address(source)).writeBytes(ipv6Address(destination));
        return packet;
    }

    private static byte[] ipv6Address(String literal) {
        InetAddress address = InetAddress.ofLiteral(literal);
        if (address instanceof Inet4Address) {
            // The JDK reads an IPv4-mapped literal as the IPv4 address: map it back.
            byte[] mapped = new byte[Ipv6Packet.ADDRESS_LENGTH];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(address.getAddress(), 0, mapped, 12, Ipv4Address.LENGTH);
            return mapped;
        }
        return address.getAddress();
    }

    private ByteBuf track(ByteBuf buffer) {
        buffers.add(buffer);
        return buffer;
    }
}
