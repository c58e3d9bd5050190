package io.netstack.handler.tcp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netstack.wire.IpHeader;
import io.netstack.wire.IpPacket;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Header;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Header;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.TcpOptions;
import io.netstack.wire.TcpSegment;
import io.netstack.wire.TcpSegments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Timeout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.netstack.handler.tcp.SequenceNumbers.after;
import static io.netstack.handler.tcp.SequenceNumbers.atOrAfter;
import static io.netstack.handler.tcp.SequenceNumbers.atOrBefore;
import static io.netstack.handler.tcp.TcpState.CLOSED;
import static io.netstack.handler.tcp.TcpState.CLOSE_WAIT;
import static io.netstack.handler.tcp.TcpState.CLOSING;
import static io.netstack.handler.tcp.TcpState.ESTABLISHED;
import static io.netstack.handler.tcp.TcpState.FIN_WAIT_1;
import static io.netstack.handler.tcp.TcpState.FIN_WAIT_2;
import static io.netstack.handler.tcp.TcpState.LAST_ACK;
import static io.netstack.handler.tcp.TcpState.SYN_RECEIVED;
import static io.netstack.handler.tcp.TcpState.SYN_SENT;
import static io.netstack.handler.tcp.TcpState.TIME_WAIT;
import static io.netstack.wire.TcpSegment.ACK;
import static io.netstack.wire.TcpSegment.FIN;
import static io.netstack.wire.TcpSegment.PSH;
import static io.netstack.wire.TcpSegment.RST;
import static io.netstack.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives one {@link TcpConnection} into a state by a valid exchange built from the segments it sent itself (passive
 * open through {@link TcpConnections#acceptSyn}, active through {@link TcpConnections#connect}, then data, FINs and
 * ACKs), then through a fuzzed sequence of events: segments of any flags, with sequence and acknowledgment numbers
 * near what the connection sent and expects (sometimes anywhere), fuzzed options and payload; the user's sends,
 * closes, aborts and reads; and the clock, whose advances fire its timers. After every event: nothing thrown; SND.UNA
 * at or before SND.NXT at or before the highest sequence number sent, which is what went out; RCV.NXT never moving
 * back, and past exactly the bytes delivered (and the FIN); the send buffer holding exactly what was queued and not
 * acknowledged; every byte sent and delivered the one of its sequence number; every packet sent a well-formed
 * IPv4 or IPv6 TCP segment of the connection's flow whose checksums verify; the state moving only along RFC 9293's
 * transitions. At the end the connection is aborted: it must be closed and forgotten once, leave no timer, and every
 * buffer the test allocated (packets both ways, the user's data) and every slice delivered must be released.
 *
 * <p>All sequence numbers are taken relative to the ISNs, so that an input replays the same whatever ISN
 * {@link InitialSequenceNumbers} draws. The corpus is in
 * {@code src/test/resources/io/netstack/handler/tcp/TcpConnectionFuzzTestInputs}; its seeds reach each state.
 */
// Per input: in fuzzing mode Jazzer hands this to libFuzzer as -timeout, so an input that hangs is a finding.
@Timeout(10)
class TcpConnectionFuzzTest {
    private static final Ipv4Address LOCAL_IPV4 = Ipv4Address.parse("192.0.2.2");
    private static final Ipv4Address REMOTE_IPV4 = Ipv4Address.parse("198.51.100.7");
    private static final Ipv6Address LOCAL_IPV6 = Ipv6Address.parse("2001:db8::2");
    private static final Ipv6Address REMOTE_IPV6 = Ipv6Address.parse("2001:db8::7");
    private static final int LOCAL_PORT = 8080;
    private static final int REMOTE_PORT = 40_000;
    private static final int MAX_EVENTS = 100;
    private static final TcpState[] TARGETS =
            {SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT};
    private static final int[] COMMON_FLAGS = {ACK, ACK | PSH, ACK | FIN, RST, RST | ACK, SYN, SYN | ACK, FIN, 0};
    /** Where one segment may take a connection (RFC 9293 figure 5, and section 3.5's simultaneous open), CLOSED aside. */
    private static final Map<TcpState, Set<TcpState>> SEGMENT_MOVES = new EnumMap<>(Map.of(
            SYN_SENT, EnumSet.of(SYN_RECEIVED, ESTABLISHED),
            SYN_RECEIVED, EnumSet.of(ESTABLISHED, CLOSE_WAIT),
            ESTABLISHED, EnumSet.of(CLOSE_WAIT),
            FIN_WAIT_1, EnumSet.of(FIN_WAIT_2, CLOSING, TIME_WAIT),
            FIN_WAIT_2, EnumSet.of(TIME_WAIT),
            CLOSING, EnumSet.of(TIME_WAIT)));
    /** Where the user's close takes a connection. */
    private static final Map<TcpState, TcpState> CLOSE_MOVES = new EnumMap<>(Map.of(
            SYN_SENT, CLOSED, SYN_RECEIVED, FIN_WAIT_1, ESTABLISHED, FIN_WAIT_1, CLOSE_WAIT, LAST_ACK));
    // TcpSender is at the 400-line limit of a main class: the test reads these two fields itself.
    private static final VarHandle UNACKNOWLEDGED = senderField("unacknowledged");
    private static final VarHandle HIGHEST_SENT = senderField("highestSent");

    /** What kind of event may have moved the state, and so where it may have gone. */
    private enum Move { SEGMENT, CLOSE, NONE }

    @FuzzTest
    void anySegmentsInAnyState(FuzzedDataProvider data) {
        TcpState target = TARGETS[data.consumeInt(0, TARGETS.length - 1)];
        Run run = new Run(data);
        run.open(target);
        run.events();
        run.finish();
    }

    /** {@return the byte every segment carries at {@code sequence}, both ways, so that data can be checked anywhere} */
    static byte streamByte(int sequence) {
        return (byte) (sequence * 0x9e3779b1 >>> 24);
    }

    private static VarHandle senderField(String name) {
        try {
            return MethodHandles.privateLookupIn(TcpSender.class, MethodHandles.lookup())
                    .findVarHandle(TcpSender.class, name, int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One input: the connection, its peer as the test plays it, and what the test saw it send and deliver. */
    private static final class Run {
        private final FuzzedDataProvider data;
        private final FakeTcpLink link = new FakeTcpLink();
        private final TcpConnections connections = new TcpConnections(link, TcpConnections.DEFAULT_SYN_BACKLOG);
        private final RecordingEvents events = new RecordingEvents();
        private final boolean ipv6;
        private final IpHeader peerHeader;
        private final Ipv4Packet ipv4In = new Ipv4Packet();
        private final Ipv6Packet ipv6In = new Ipv6Packet();
        private final TcpSegment tcpIn = new TcpSegment();
        private final Ipv4Packet ipv4Out = new Ipv4Packet();
        private final Ipv6Packet ipv6Out = new Ipv6Packet();
        private final TcpSegment tcpOut = new TcpSegment();
        private final TcpOptions sentOptions = new TcpOptions();
        private TcpConnection connection;
        private boolean passive;

        // The peer.
        private int peerIsn;
        private int peerNext;
        private boolean peerScales;
        private boolean peerTimestamps;
        private int peerTimestamp;
        private int echoedTimestamp;

        // What the connection sent and delivered.
        private int isn;
        private boolean synSeen;
        private int highestSeen;
        private int ownWindowScale;
        private int advertisedWindow;
        private boolean receiverSynchronized;
        private int deliveredNext;
        private int lastReceiveNext;

        // The user.
        private long queued;
        private boolean userClosed;
        private boolean orphaned;

        Run(FuzzedDataProvider data) {
            this.data = data;
            ipv6 = data.consumeBoolean();
            peerHeader = ipv6 ? Ipv6Header.of(REMOTE_IPV6, LOCAL_IPV6, Ipv4Packet.PROTOCOL_TCP)
                    : Ipv4Header.of(REMOTE_IPV4.value(), LOCAL_IPV4.value(), Ipv4Packet.PROTOCOL_TCP);
            link.connections(connections);
        }

        // ---- the exchange that leads to the target state

        void open(TcpState target) {
            TcpSettings settings = new TcpSettings(
                    data.consumeBoolean() ? sometimesSmall(1, 3000, 1 << 20) : TcpSettings.DEFAULT_RECEIVE_BUFFER,
                    data.consumeBoolean() ? sometimesSmall(1, 3000, 1 << 20) : TcpSettings.DEFAULT_SEND_BUFFER,
                    data.consumeBoolean(),
                    data.consumeBoolean() ? data.consumeInt(0, 120_000) : TcpSettings.DEFAULT_TIME_WAIT_MILLIS,
                    data.consumeBoolean() ? data.consumeInt(64, 9000) : 1460,
                    NewReno::new);
            int peerMss = data.consumeBoolean() ? sometimesSmall(0, 100, 0xffff) : 1460;
            int peerScale = data.consumeBoolean() ? data.consumeInt(-1, 15) : 7;
            boolean sack = !data.consumeBoolean();
            peerTimestamps = !data.consumeBoolean();
            peerScales = peerScale >= 0;
            peerIsn = data.consumeInt();
            peerNext = peerIsn + 1;
            peerTimestamp = data.consumeInt();
            passive = target != SYN_SENT && data.consumeBoolean();

            byte[] synOptions = new byte[TcpOptions.synOptionsLength(sack, peerTimestamps, peerScales)];
            ByteBuf writer = Unpooled.wrappedBuffer(synOptions).writerIndex(0);
            TcpOptions.writeSynOptions(writer, peerMss, sack, peerTimestamps, peerTimestamp, 0, peerScale);
            writer.release();
            if (passive) {
                ByteBuf syn = build(peerIsn, 0, SYN, 0xffff, synOptions, 0);
                connection = connections.acceptSyn(ip(), tcpIn, settings, events);
                syn.release();
                assertNotNull(connection, "the backlog takes the first SYN");
                synchronizeReceiver(peerIsn);
                check(SYN_RECEIVED, Move.NONE);
                if (target != SYN_RECEIVED) {
                    peerSegment(ACK, 0);
                }
            } else {
                InetSocketAddress local = new InetSocketAddress(
                        ipv6 ? LOCAL_IPV6.toInetAddress() : LOCAL_IPV4.toInetAddress(), LOCAL_PORT);
                InetSocketAddress remote = new InetSocketAddress(
                        ipv6 ? REMOTE_IPV6.toInetAddress() : REMOTE_IPV4.toInetAddress(), REMOTE_PORT);
                connection = connections.connect(local, remote, settings, events);
                check(SYN_SENT, Move.NONE);
                if (target != SYN_SENT) {
                    // A SYN alone makes it a simultaneous open (RFC 9293 section 3.5).
                    feed(peerIsn, target == SYN_RECEIVED ? 0 : isn + 1, target == SYN_RECEIVED ? SYN : SYN | ACK,
                            0xffff, synOptions, 0);
                }
            }
            if (target.isSynchronized()) {
                exchange(target);
            }
            assertEquals(target, connection.state(), "the scripted exchange reaches its state");
        }

        /** {@return a number from {@code min} to {@code max}, half of the time no more than {@code small}} */
        private int sometimesSmall(int min, int small, int max) {
            return data.consumeInt(min, data.consumeBoolean() ? small : max);
        }

        private void exchange(TcpState target) {
            if (data.consumeBoolean()) {
                userSend(data.consumeInt(0, Math.max(connection.sender().maximumSegmentSize(), 0)));
                peerSegment(ACK, 0);
            }
            if (data.consumeBoolean()) {
                // Room is left for its FIN, which takes a sequence number in the window too.
                peerSegment(ACK | PSH, data.consumeInt(0, Math.clamp(advertisedWindow - 1, 0, 1460)));
            }
            switch (target) {
                case FIN_WAIT_1 -> userClose();
                case FIN_WAIT_2 -> {
                    userClose();
                    peerSegment(ACK, 0);
                }
                case CLOSE_WAIT -> peerSegment(ACK | FIN, 0);
                case CLOSING -> {
                    userClose();
                    // Its FIN crossed ours: it acknowledges everything before our FIN, not the FIN.
                    feed(peerNext, highestSeen - 1, ACK | FIN, 0xffff, timestamps(0), 0);
                }
                case LAST_ACK -> {
                    peerSegment(ACK | FIN, 0);
                    userClose();
                }
                case TIME_WAIT -> {
                    userClose();
                    peerSegment(ACK | FIN, 0);
                }
                default -> {
                    // ESTABLISHED: there already.
                }
            }
        }

        /** A segment of the peer's that continues its stream and acknowledges everything sent. */
        private void peerSegment(int flags, int payloadLength) {
            feed(peerNext, highestSeen, flags, 0xffff, timestamps(0), payloadLength);
        }

        // ---- the fuzzed events

        void events() {
            for (int i = 0; i < MAX_EVENTS && data.remainingBytes() > 0 && connection.state() != CLOSED; i++) {
                switch (data.consumeInt(0, 9)) {
                    case 5 -> userSend(data.consumeInt(0, 3000));
                    case 6 -> userClose();
                    case 7 -> userRead();
                    case 8 -> advanceClock();
                    case 9 -> rareUserAction();
                    default -> fuzzedSegment();
                }
            }
        }

        private void fuzzedSegment() {
            int flags = data.consumeBoolean() ? data.consumeInt(0, 0xff)
                    : COMMON_FLAGS[data.consumeInt(0, COMMON_FLAGS.length - 1)];
            int expected = receiverSynchronized ? connection.receiver().next() : peerNext;
            int sequence = switch (data.consumeInt(0, 3)) {
                case 0 -> expected;
                case 1 -> expected + data.consumeInt(-3, 3);
                case 2 -> expected + data.consumeInt(-0x20000, 0x20000);
                default -> expected + data.consumeInt();
            };
            int unacknowledged = (int) UNACKNOWLEDGED.get(connection.sender());
            int acknowledgment = switch (data.consumeInt(0, 3)) {
                case 0 -> highestSeen;
                case 1 -> unacknowledged;
                case 2 -> unacknowledged + data.consumeInt(-3, Math.max(highestSeen - unacknowledged, 0) + 3);
                default -> isn + data.consumeInt();
            };
            int window = switch (data.consumeInt(0, 2)) {
                case 0 -> 0xffff;
                case 1 -> data.consumeInt(0, 0xffff);
                default -> 0;
            };
            byte[] options = switch (data.consumeInt(0, 3)) {
                case 0 -> timestamps(0);
                case 1 -> new byte[0];
                case 2 -> fuzzedTimestampsAndSack(unacknowledged);
                default -> {
                    int length = 4 * data.consumeInt(0, 10);
                    yield Arrays.copyOf(data.consumeBytes(length), length);
                }
            };
            int payloadLength = switch (data.consumeInt(0, 3)) {
                case 0 -> 0;
                case 1 -> data.consumeInt(1, 16);
                case 2 -> data.consumeInt(1, 2000);
                default -> data.consumeInt(0, 4000);
            };
            feed(sequence, acknowledgment, flags, window, options, payloadLength);
        }

        /** Timestamps when both sides use them, with a TSval {@code delta} past the peer's clock; else nothing. */
        private byte[] timestamps(int delta) {
            if (!peerTimestamps) {
                return new byte[0];
            }
            int value = peerTimestamp + delta;
            peerTimestamp = SequenceNumbers.latest(peerTimestamp, value);
            byte[] options = new byte[TcpOptions.TIMESTAMPS_LENGTH];
            ByteBuf writer = Unpooled.wrappedBuffer(options).writerIndex(0);
            TcpOptions.writeTimestamps(writer, value, echoedTimestamp);
            writer.release();
            return options;
        }

        private byte[] fuzzedTimestampsAndSack(int unacknowledged) {
            boolean withTimestamps = data.consumeBoolean();
            int blocks = data.consumeInt(1, withTimestamps ? 3 : 4);
            int[] edges = new int[2 * blocks];
            int span = Math.max(highestSeen - unacknowledged, 0) + 16;
            for (int i = 0; i < edges.length; i++) {
                edges[i] = unacknowledged + data.consumeInt(-16, span);
            }
            byte[] stamps = withTimestamps ? timestamps(data.consumeInt(-3, 1000)) : new byte[0];
            byte[] options = Arrays.copyOf(stamps, stamps.length + TcpOptions.sackLength(blocks));
            ByteBuf writer = Unpooled.wrappedBuffer(options).writerIndex(stamps.length);
            TcpOptions.writeSackBlocks(writer, edges, blocks);
            writer.release();
            return options;
        }

        private void userSend(int wanted) {
            if (!connection.state().sendsData() || userClosed) {
                return; // the channel's output is shut, or it is not open yet
            }
            int length = Math.min(wanted, connection.sender().sendBufferRoom());
            ByteBuf buffer = link.alloc().buffer(length);
            for (int i = 0; i < length; i++) {
                buffer.writeByte(streamByte(isn + 1 + (int) queued + i));
            }
            TcpState before = connection.state();
            connection.send(buffer);
            queued += length;
            connection.flushOutput();
            check(before, Move.NONE);
        }

        private void userClose() {
            if (!userHasChannel()) {
                return;
            }
            TcpState before = connection.state();
            userClosed = true;
            connection.shutdownOutput();
            check(before, Move.CLOSE);
        }

        private void userRead() {
            TcpState before = connection.state();
            events.read(data.consumeInt(0, events.unread.size()));
            connection.windowOpened();
            check(before, Move.NONE);
        }

        private void advanceClock() {
            TcpState before = connection.state();
            link.advance(switch (data.consumeInt(0, 2)) {
                case 0 -> data.consumeInt(0, 500);
                case 1 -> data.consumeInt(0, 10_000);
                default -> data.consumeInt(0, 300_000);
            });
            check(before, Move.NONE);
        }

        private void rareUserAction() {
            TcpState before = connection.state();
            Move move = Move.CLOSE;
            switch (data.consumeInt(0, 2)) {
                case 0 -> connection.abort();
                case 1 -> {
                    if (!userHasChannel()) {
                        break;
                    }
                    // The channel closed: as TcpChannel.closed does.
                    orphaned = true;
                    userClosed = true;
                    connection.orphan();
                    if (data.consumeBoolean()) {
                        connection.abort();
                    } else {
                        connection.shutdownOutput();
                    }
                }
                default -> {
                    move = Move.NONE;
                    connection.configure(data.consumeInt(1, 1 << 20), data.consumeInt(1, 1 << 20),
                            data.consumeBoolean());
                }
            }
            check(before, move);
        }

        /** {@return whether a user can close the connection: one that was accepted has no channel before the ACK} */
        private boolean userHasChannel() {
            return !passive || events.established > 0;
        }

        // ---- segments in

        /** Builds a segment of the peer's into a packet and points {@link #tcpIn} at it; the caller releases it. */
        private ByteBuf build(int sequence, int acknowledgment, int flags, int window, byte[] options,
                              int payloadLength) {
            ByteBuf packet = TcpSegments.start(link.alloc(), peerHeader, REMOTE_PORT, LOCAL_PORT, sequence,
                    acknowledgment, flags, window, options.length, payloadLength);
            packet.writeBytes(options);
            int first = sequence + ((flags & SYN) != 0 ? 1 : 0);
            for (int i = 0; i < payloadLength; i++) {
                packet.writeByte(streamByte(first + i));
            }
            TcpSegments.finish(packet, peerHeader);
            IpPacket ip = ipv6 ? ipv6In : ipv4In;
            assertTrue(ipv6 ? ipv6In.wrap(packet) : ipv4In.wrap(packet), "the peer's packet is well-formed");
            assertTrue(tcpIn.wrap(ip) && tcpIn.isChecksumValid(ip), "the peer's segment is well-formed");
            return packet;
        }

        private IpPacket ip() {
            return ipv6 ? ipv6In : ipv4In;
        }

        /** Gives a segment of the peer's to its connection, as the host does, or to the table once it is gone. */
        private void feed(int sequence, int acknowledgment, int flags, int window, byte[] options,
                          int payloadLength) {
            TcpState before = connection.state();
            ByteBuf packet = build(sequence, acknowledgment, flags, window, options, payloadLength);
            TcpConnection found = connections.find(ip(), tcpIn);
            if (found != null) {
                assertSame(connection, found, "the table finds the connection by its four numbers");
                found.receive(tcpIn);
            } else {
                connections.refuse(ip(), tcpIn);
            }
            packet.release();
            if ((flags & (SYN | RST)) == 0 && sequence == peerNext) {
                peerNext += payloadLength + ((flags & FIN) != 0 ? 1 : 0);
            }
            TcpState after = connection.state();
            if (before == SYN_SENT && after != SYN_SENT && after != CLOSED) {
                synchronizeReceiver(sequence); // this SYN's sequence number is the peer's ISN from now on
            }
            check(before, Move.SEGMENT);
        }

        private void synchronizeReceiver(int peerSyn) {
            receiverSynchronized = true;
            peerIsn = peerSyn;
            peerNext = peerSyn + 1;
            deliveredNext = peerNext;
            lastReceiveNext = peerNext;
        }

        // ---- the invariants

        private void check(TcpState before, Move move) {
            checkSent();
            TcpState after = connection.state();
            assertTrue(after == before || after == CLOSED
                            || move == Move.SEGMENT && SEGMENT_MOVES.getOrDefault(before, Set.of()).contains(after)
                            || move == Move.CLOSE && CLOSE_MOVES.get(before) == after,
                    "no RFC 9293 transition by " + move + " from " + before + " to " + after);
            TcpSender sender = connection.sender();
            int unacknowledged = (int) UNACKNOWLEDGED.get(sender);
            int next = sender.sendNext();
            int highest = (int) HIGHEST_SENT.get(sender);
            assertEquals(highestSeen, highest, "the highest sequence number sent is the end of what went out");
            assertTrue(atOrBefore(unacknowledged, next) && atOrBefore(next, highest),
                    "SND.UNA " + unacknowledged + " <= SND.NXT " + next + " <= highest sent " + highest);
            if (after == CLOSED) {
                return; // its buffers are released
            }
            int acknowledged = Math.max(unacknowledged - (isn + 1), 0) - (sender.finAcknowledged() ? 1 : 0);
            assertEquals(queued - acknowledged, sender.buffered(),
                    "the send buffer holds what was queued and not acknowledged");
            assertTrue(highest - unacknowledged <= sender.buffered() + 2,
                    "what is in flight is in the send buffer, but for SYN and FIN");
            if (receiverSynchronized) {
                int receiveNext = connection.receiver().next();
                assertTrue(atOrAfter(receiveNext, lastReceiveNext),
                        "RCV.NXT moved back from " + lastReceiveNext + " to " + receiveNext);
                lastReceiveNext = receiveNext;
                if (!orphaned) {
                    checkDelivered();
                    assertEquals(deliveredNext + (events.peerFinished > 0 ? 1 : 0), receiveNext,
                            "RCV.NXT is past exactly the bytes delivered and the FIN");
                }
            }
        }

        private void checkDelivered() {
            for (ByteBuf slice : events.fresh) {
                for (int i = 0; i < slice.readableBytes(); i++) {
                    assertEquals(streamByte(deliveredNext + i), slice.getByte(slice.readerIndex() + i),
                            "byte " + i + " of data delivered at " + deliveredNext);
                }
                deliveredNext += slice.readableBytes();
            }
            events.fresh.clear();
        }

        /** Checks and releases each packet sent: a well-formed segment of the flow, within what it may send. */
        private void checkSent() {
            for (ByteBuf packet : link.takeSent()) {
                IpPacket ip;
                if (ipv6) {
                    assertTrue(ipv6Out.wrap(packet), "an IPv6 packet");
                    assertEquals(Ipv4Packet.PROTOCOL_TCP, ipv6Out.nextHeader());
                    assertEquals(LOCAL_IPV6.toInetAddress(), ipv6Out.sourceAddress());
                    assertEquals(REMOTE_IPV6.toInetAddress(), ipv6Out.destinationAddress());
                    ip = ipv6Out;
                } else {
                    assertTrue(ipv4Out.wrap(packet) && ipv4Out.isChecksumValid(), "an IPv4 packet");
                    assertEquals(Ipv4Packet.PROTOCOL_TCP, ipv4Out.protocol());
                    assertEquals(LOCAL_IPV4.value(), ipv4Out.source());
                    assertEquals(REMOTE_IPV4.value(), ipv4Out.destination());
                    ip = ipv4Out;
                }
                assertTrue(tcpOut.wrap(ip) && tcpOut.isChecksumValid(ip), "a TCP segment whose checksum verifies");
                assertEquals(LOCAL_PORT, tcpOut.sourcePort());
                assertEquals(REMOTE_PORT, tcpOut.destinationPort());
                checkSegment();
                assertTrue(packet.release(), "a packet sent is the link's alone");
            }
        }

        private void checkSegment() {
            int flags = tcpOut.flags();
            int sequence = tcpOut.sequenceNumber();
            int length = tcpOut.payloadLength();
            if (!synSeen) {
                assertEquals(SYN, flags & (SYN | RST), "a connection starts with its SYN");
                synSeen = true;
                isn = sequence;
                highestSeen = isn;
            }
            if ((flags & RST) != 0) {
                assertEquals(0, length, "a reset carries no data");
                return;
            }
            if ((flags & SYN) != 0) {
                assertEquals(isn, sequence, "every SYN has the ISN");
                assertEquals(0, length, "no data on a SYN");
                ownWindowScale = sentOptions.read(tcpOut).windowScale();
                advertisedWindow = tcpOut.window(); // never scaled in a SYN
            } else {
                assertEquals(ACK, flags & ACK, "every segment but the first SYN acknowledges");
                advertisedWindow = tcpOut.window() << (peerScales && ownWindowScale > 0 ? ownWindowScale : 0);
            }
            if ((flags & ACK) != 0 && receiverSynchronized) {
                assertTrue(atOrBefore(tcpOut.acknowledgmentNumber(), connection.receiver().next()),
                        "it acknowledges nothing not received");
            }
            if (peerTimestamps && sentOptions.read(tcpOut).hasTimestamps()) {
                echoedTimestamp = sentOptions.timestampValue();
            }
            assertTrue(length <= Math.max(connection.sender().maximumSegmentSize(), 1),
                    length + " bytes, more than the MSS " + connection.sender().maximumSegmentSize());
            int first = sequence + ((flags & SYN) != 0 ? 1 : 0);
            for (int i = 0; i < length; i++) {
                assertEquals(streamByte(first + i), tcpOut.buffer().getByte(tcpOut.payloadOffset() + i),
                        "byte " + i + " of the segment at " + sequence);
            }
            int end = first + length + ((flags & FIN) != 0 ? 1 : 0);
            if (after(end, highestSeen)) {
                highestSeen = end;
            }
        }

        // ---- the end

        void finish() {
            TcpState before = connection.state();
            if (before != CLOSED) {
                connection.abort();
                check(before, Move.NONE);
            }
            assertEquals(CLOSED, connection.state());
            assertEquals(List.of(connection), link.closedConnections(), "the link hears once that it closed");
            assertEquals(0, connections.size(), "the table forgot it");
            assertEquals(0, connections.halfOpen(), "no connection waits in SYN-RECEIVED");
            assertEquals(0, link.pendingTimers(), "a closed connection leaves no timer");
            link.advance(24 * 3600 * 1000L);
            assertEquals(List.of(), link.takeSent(), "a closed connection sends nothing");
            if (!orphaned && (!passive || events.established > 0)) {
                assertEquals(1, events.ended, "the user hears once that it ended");
            }
            events.read(events.unread.size());
            link.alloc().assertAllReleased();
        }
    }
}
