package io.netstack.handler;

import io.netstack.testing.PcapFile;
import io.netstack.wire.DecodeError;
import io.netstack.wire.Icmpv6Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.LinkLayer;
import io.netstack.wire.MacAddress;
import io.netstack.wire.NeighborDiscoveryMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * tshark's dissection of every ICMPv6 message of a host's capture, Neighbor Discovery included, against what the
 * {@link PacketDecoder}'s views read from the same records: the kernel tests of the IPv6 host on TAP and on TUN
 * compare the two field by field. The kernel's Router Solicitations are left out of both: their options belong to
 * router discovery, which the wire module has no view of.
 */
final class Icmpv6Dissection {
    /** The fields compared, as tshark names them. */
    static final List<String> FIELDS = List.of("frame.len", "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.code",
            "icmpv6.checksum", "icmpv6.echo.sequence_number", "icmpv6.nd.ns.target_address",
            "icmpv6.nd.na.target_address", "icmpv6.nd.na.flag", "icmpv6.opt.linkaddr");

    private Icmpv6Dissection() {
    }

    /** tshark's lines for the ICMPv6 records of {@code pcapFile}, after checking it finds no malformed packet. */
    static List<String> tshark(Path pcapFile) {
        Tshark.assertNone(pcapFile, Tshark.MALFORMED);
        return Tshark.fields(pcapFile, "icmpv6 && icmpv6.type != " + Icmpv6Packet.TYPE_ROUTER_SOLICITATION, FIELDS);
    }

    /** The views' lines for the same records, in the same order. */
    static List<String> views(PcapFile pcap, LinkLayer linkLayer) {
        PacketDecoder decoder = new PacketDecoder(linkLayer);
        return pcap.records().stream().map(record -> fieldsOf(decoder, record)).filter(Objects::nonNull).toList();
    }

    /** The fields of one record if it is ICMPv6, tab-separated and empty where tshark prints nothing, else null. */
    private static String fieldsOf(PacketDecoder decoder, PcapFile.Record record) {
        assertEquals(record.originalLength(), record.data().length, "the whole frame was captured");
        ByteBuf frame = Unpooled.wrappedBuffer(record.data());
        try {
            DecodeError error = decoder.decode(frame);
            InboundFrame.Kind kind = decoder.kind();
            if (kind != InboundFrame.Kind.ICMPV6 && kind != InboundFrame.Kind.NDP
                    || decoder.icmpv6().type() == Icmpv6Packet.TYPE_ROUTER_SOLICITATION) {
                return null;
            }
            assertNull(error, "a well-formed message");
            assertNull(decoder.verifyChecksums(), "ICMPv6 checksum");
            Icmpv6Packet icmp = decoder.icmpv6();
            String[] fields = new String[FIELDS.size()];
            Arrays.fill(fields, "");
            fields[0] = String.valueOf(record.originalLength());
            ByteBuf buf = decoder.ipv6().buffer();
            fields[1] = Ipv6Address.read(buf, decoder.ipv6().sourceOffset()).toString();
            fields[2] = Ipv6Address.read(buf, decoder.ipv6().destinationOffset()).toString();
            fields[3] = String.valueOf(icmp.type());
            fields[4] = String.valueOf(icmp.code());
            fields[5] = String.format("0x%04x", icmp.checksum());
            if (icmp.isEchoRequest() || icmp.isEchoReply()) {
                fields[6] = String.valueOf(icmp.sequenceNumber());
            }
            if (kind == InboundFrame.Kind.NDP) {
                NeighborDiscoveryMessage ndp = decoder.neighborDiscovery();
                if (ndp.isSolicitation()) {
                    fields[7] = ndp.target().toString();
                } else {
                    fields[8] = ndp.target().toString();
                    fields[9] = String.format("0x%08x", ndp.flags());
                }
                long mac = ndp.isSolicitation() ? ndp.sourceLinkLayerAddress() : ndp.targetLinkLayerAddress();
                if (mac != NeighborDiscoveryMessage.NONE) {
                    fields[10] = MacAddress.format(mac);
                }
            }
            return String.join("\t", fields);
        } finally {
            frame.release();
        }
    }
}
