package io.netstack.wire;

import io.netstack.wire.testing.CapturedFrames;
import io.netstack.wire.testing.CapturedIpv6Frames;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decodes the kernel's Neighbor Discovery messages, and checks the validity rules of RFC 4861 section 7.1. */
class NeighborDiscoveryMessageTest {
    private static final long KERNEL_MAC = 0x02005e100001L;
    private static final Ipv6Address KERNEL = Ipv6Address.parse("2001:db8::1");
    private static final Ipv6Address NEIGHBOR = Ipv6Address.parse("2001:db8::2");
    private static final int IP = EthernetFrame.HEADER_LENGTH;

    private final Ipv6Packet ip = new Ipv6Packet();
    private final Icmpv6Packet icmp = new Icmpv6Packet();
    private final NeighborDiscoveryMessage ndp = new NeighborDiscoveryMessage();
    private ByteBuf frame;

    @AfterEach
    void release() {
        frame.release();
    }

    /** Wraps a captured frame's IPv6 packet; returns whether its message is valid. */
    private boolean decode(byte[] captured) {
        frame = CapturedFrames.pooled(captured);
        assertTrue(ip.wrap(frame, IP, captured.length - IP));
        assertTrue(icmp.wrap(frame, ip.payloadOffset(), ip.payloadLength()));
        assertTrue(icmp.isChecksumValid(ip));
        return ndp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
    }

    /** Re-wraps the message after a change of the bytes under it. */
    private DecodeError rewrap() {
        assertTrue(ip.wrap(frame, IP, frame.capacity() - IP));
        return ndp.wrap(frame, ip.payloadOffset(), ip.payloadLength()) ? ndp.ipHeaderError(ip) : ndp.error();
    }

    @Test
    void readsTheKernelsSolicitation() {
        assertTrue(decode(CapturedIpv6Frames.NEIGHBOR_SOLICITATION));
        assertNull(ndp.ipHeaderError(ip));
        assertTrue(ndp.isSolicitation());
        assertFalse(ndp.isAdvertisement());
        assertTrue(NEIGHBOR.matches(frame, ndp.targetOffset()));
        assertEquals(NEIGHBOR, ndp.target());
        assertEquals(KERNEL_MAC, ndp.sourceLinkLayerAddress());
        assertEquals(NeighborDiscoveryMessage.NONE, ndp.targetLinkLayerAddress());
        assertTrue(NEIGHBOR.solicitedNodeMulticast().matches(frame, ip.destinationOffset()));
        assertEquals(NEIGHBOR.solicitedNodeMulticast().multicastMac().value(), MacAddress.read(frame, 0));
    }

    @Test
    void readsTheKernelsAdvertisement() {
        assertTrue(decode(CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT));
        assertNull(ndp.ipHeaderError(ip));
        assertTrue(ndp.isAdvertisement());
        assertFalse(ndp.router());
        assertTrue(ndp.solicited());
        assertTrue(ndp.override());
        assertEquals(NeighborDiscoveryMessage.FLAG_SOLICITED | NeighborDiscoveryMessage.FLAG_OVERRIDE, ndp.flags());
        assertEquals(KERNEL, ndp.target());
        assertEquals(KERNEL_MAC, ndp.targetLinkLayerAddress());
        assertEquals(NeighborDiscoveryMessage.NONE, ndp.sourceLinkLayerAddress());
    }

    @Test
    void readsTheKernelsDuplicateAddressDetectionSkippingItsNonce() {
        assertTrue(decode(CapturedIpv6Frames.DAD_SOLICITATION));
        assertNull(ndp.ipHeaderError(ip));
        assertTrue(Ipv6Address.UNSPECIFIED.matches(frame, ip.sourceOffset()));
        assertEquals(KERNEL, ndp.target());
        assertEquals(NeighborDiscoveryMessage.NONE, ndp.sourceLinkLayerAddress());
        assertEquals(8, ndp.payloadLength(), "the nonce option");
    }

    @Test
    void rejectsMessagesTheRfcCallsInvalid() {
        decode(CapturedIpv6Frames.NEIGHBOR_SOLICITATION);
        int message = ip.payloadOffset();
        frame.setByte(message + 1, 1);
        assertEquals(DecodeError.NDP_BAD_CODE, rewrap());
        frame.setByte(message + 1, 0);
        frame.setByte(message + 24 + 1, 0); // the source link-layer option's length
        assertEquals(DecodeError.NDP_BAD_OPTION_LENGTH, rewrap());
        frame.setByte(message + 24 + 1, 2);
        assertEquals(DecodeError.NDP_BAD_OPTION_LENGTH, rewrap(), "an option running past the message");
        frame.setByte(message + 24 + 1, 1);
        frame.setByte(message + 8, 0xff);
        assertEquals(DecodeError.NDP_MULTICAST_TARGET, rewrap());
        frame.setByte(message + 8, 0x20);
        frame.setByte(message, Icmpv6Packet.TYPE_ECHO_REQUEST);
        assertEquals(DecodeError.NDP_NOT_NEIGHBOR_MESSAGE, rewrap());
        frame.setByte(message, Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION);
        frame.setByte(IP + 7, 254);
        assertEquals(DecodeError.NDP_BAD_HOP_LIMIT, rewrap(), "forwarded by a router");
        frame.setByte(IP + 7, 255);
        assertNull(rewrap());
        assertFalse(ndp.wrap(frame, message, 23));
        assertEquals(DecodeError.NDP_TRUNCATED, ndp.error());
    }

    @Test
    void rejectsALinkLayerAddressOptionOfAnotherLength() {
        byte[] captured = CapturedIpv6Frames.NEIGHBOR_SOLICITATION;
        frame = CapturedFrames.pooled(Arrays.copyOf(captured, captured.length + 8));
        frame.setByte(IP + 5, 24 + 16); // payload length: the option grows to 16 bytes
        frame.setByte(IP + Ipv6Packet.HEADER_LENGTH + 24 + 1, 2);
        assertEquals(DecodeError.NDP_BAD_LINK_LAYER_ADDRESS_OPTION, rewrap(), "only 8 bytes hold an Ethernet address");
    }

    @Test
    void rejectsASolicitedAdvertisementToAMulticastAddress() {
        decode(CapturedIpv6Frames.NEIGHBOR_ADVERTISEMENT);
        Ipv6Address.ALL_NODES.set(frame, ip.destinationOffset());
        assertEquals(DecodeError.NDP_SOLICITED_TO_MULTICAST, rewrap());
        frame.setByte(ip.payloadOffset() + 4, NeighborDiscoveryMessage.FLAG_OVERRIDE >>> 24);
        assertNull(rewrap(), "unsolicited advertisements go to all nodes");
    }

    @Test
    void rejectsDuplicateAddressDetectionNotToASolicitedNodeAddressOrWithALinkLayerAddress() {
        decode(CapturedIpv6Frames.DAD_SOLICITATION);
        Ipv6Address.ALL_NODES.set(frame, ip.destinationOffset());
        assertEquals(DecodeError.NDP_BAD_DAD_SOLICITATION, rewrap());
        KERNEL.solicitedNodeMulticast().set(frame, ip.destinationOffset());
        assertNull(rewrap());
        frame.release();
        decode(CapturedIpv6Frames.NEIGHBOR_SOLICITATION);
        Ipv6Address.UNSPECIFIED.set(frame, ip.sourceOffset());
        assertEquals(DecodeError.NDP_BAD_DAD_SOLICITATION, rewrap(), "from :: with a source link-layer address");
    }
}
