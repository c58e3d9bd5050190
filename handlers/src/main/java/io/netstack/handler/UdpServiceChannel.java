package io.netstack.handler;

import io.netstack.wire.Frames;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.Ipv4Packet;
import io.netstack.wire.Ipv6Address;
import io.netstack.wire.Ipv6Packet;
import io.netstack.wire.Ipv6Packets;
import io.netstack.wire.UdpDatagram;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.List;

/**
 * A UDP port of a {@link UserspaceHost} bound to a service, as a socket bound to the port on all the host's
 * addresses: a channel whose pipeline reads each datagram sent to the port as a Netty {@link DatagramPacket} and
 * sends the {@code DatagramPacket}s written to it, so that Netty's UDP codecs run on it unchanged. The service's
 * handler, given to {@link UserspaceHost.Builder#udpService}, initializes the pipeline.
 *
 * <h2>Life</h2>
 * Like Netty's HTTP/2 stream channels, it is a child of the host's channel ({@link #parent()}) without a file
 * descriptor of its own: registered on the parent's event loop, active while the parent is, closed with it or by
 * {@link #close()}, after which the port has no service. {@link #isWritable()} follows the parent's writability.
 * While its pipeline does not read (auto-read off and no {@code read()} pending), up to 64 datagrams wait; further
 * ones are dropped and counted in {@link #droppedReads()}.
 *
 * <h2>Reading</h2>
 * A datagram's content is a slice of the frame it came in, without a copy. Its recipient is the host address it was
 * sent to and this port; its sender, the peer's address and port, an {@link java.net.Inet4Address} or an
 * {@link Inet6Address} as the datagram came over IPv4 or IPv6. Neither is made anew per datagram: the recipient
 * is one {@link InetSocketAddress} per host address, made once, and the sender's is reused for as long as the
 * datagrams come from the same peer, as a client's requests do.
 *
 * <h2>Writing</h2>
 * It takes any {@link AddressedEnvelope} of a {@link ByteBuf} to an IPv4 or IPv6 {@link InetSocketAddress}, a
 * {@code DatagramPacket} being one. The envelope's sender, if it has one, chooses the source address, as
 * {@code IP_PKTINFO} does for a socket: it must be one of the host's addresses of the destination's version, with
 * port 0 or this port. Without one, the datagram is sent from the host's first address of that version; to a
 * version the host has no address of, the write fails with an {@link UnsupportedAddressTypeException}. Over IPv6
 * the UDP checksum is always computed, as RFC 8200 section 8.1 requires. A message of another type or to another
 * address fails its write at once; a payload too long for the device's MTU fails it when the device refuses the
 * frame. A write's promise completes when the host's channel has written the datagram's frame, or fails with the
 * reason it could not; {@code flush()} flushes the host's channel, at the end of its read loop when called during
 * one.
 */
public final class UdpServiceChannel extends PacketChildChannel {
    private static final InetAddress ANY_ADDRESS = InetAddress.ofLiteral("0.0.0.0");
    private static final String EXPECTED_TYPES =
            " (expected: DatagramPacket, AddressedEnvelope<ByteBuf, InetSocketAddress>)";

    private final HostAddresses host;
    private final int port;
    private final InetSocketAddress localAddress;
    /** The recipient of the datagrams sent to each of the host's IPv4 addresses, in the order of its list. */
    private final InetSocketAddress[] recipients;
    /** The same for its IPv6 addresses. */
    private final InetSocketAddress[] ipv6Recipients;
    private InetSocketAddress lastSender;
    /** The last sender's address as IPv6 (an IPv4 one IPv4-mapped, which no IPv6 peer uses on the wire). */
    private long lastSenderHigh;
    private long lastSenderLow;
    private int lastSenderPort;

    /**
     * A channel for {@code port}, not yet registered.
     *
     * @param services      the handler that owns the port
     * @param parentContext its context in the host's pipeline
     * @param host          the host's addresses
     * @param port          the port, 1 to 65535
     */
    UdpServiceChannel(UdpServices services, ChannelHandlerContext parentContext, HostAddresses host, int port) {
        super(services, parentContext);
        this.host = host;
        this.port = port;
        localAddress = new InetSocketAddress(ANY_ADDRESS, port);
        List<Ipv4Address> addresses = host.ipv4Addresses();
        recipients = new InetSocketAddress[addresses.size()];
        for (int i = 0; i < recipients.length; i++) {
            recipients[i] = new InetSocketAddress(addresses.get(i).toInetAddress(), port);
        }
        List<Ipv6Address> ipv6Addresses = host.ipv6Addresses();
        ipv6Recipients = new InetSocketAddress[ipv6Addresses.size()];
        for (int i = 0; i < ipv6Recipients.length; i++) {
            ipv6Recipients[i] = new InetSocketAddress(ipv6Addresses.get(i).toInetAddress(), port);
        }
    }

    /** {@return the port, on the wildcard address: the channel takes datagrams to any of the host's addresses} */
    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    /** {@return {@code null}: the channel is not connected, and each datagram names its peer} */
    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress;
    }

    /**
     * Delivers the datagram of {@code inbound}, a UDP datagram to this port on one of the host's addresses, as a
     * {@link DatagramPacket} whose content shares the frame.
     */
    void read(InboundFrame inbound) {
        UdpDatagram udp = inbound.udp();
        InetSocketAddress recipient;
        InetSocketAddress sender;
        if (inbound.isIpv4()) {
            Ipv4Packet ip = inbound.ipv4();
            recipient = recipient(ip.destination());
            sender = sender(0, NeighbourCache.mapped(ip.source()), udp.sourcePort());
        } else {
            Ipv6Packet ip = inbound.ipv6();
            ByteBuf buf = ip.buffer();
            recipient = ipv6Recipient(buf, ip.destinationOffset());
            sender = sender(Ipv6Address.readHigh(buf, ip.sourceOffset()), Ipv6Address.readLow(buf, ip.sourceOffset()),
                    udp.sourcePort());
        }
        ByteBuf content = inbound.frame().retainedSlice(udp.payloadOffset(), udp.payloadLength());
        deliver(new DatagramPacket(content, recipient, sender));
    }

    private InetSocketAddress ipv6Recipient(ByteBuf buf, int destination) {
        List<Ipv6Address> addresses = host.ipv6Addresses();
        for (int i = 0; i < ipv6Recipients.length; i++) {
            if (addresses.get(i).matches(buf, destination)) {
                return ipv6Recipients[i];
            }
        }
        throw new IllegalArgumentException("not an address of the host: " + Ipv6Address.read(buf, destination));
    }

    private InetSocketAddress recipient(int destination) {
        List<Ipv4Address> addresses = host.ipv4Addresses();
        for (int i = 0; i < recipients.length; i++) {
            if (addresses.get(i).value() == destination) {
                return recipients[i];
            }
        }
        throw new IllegalArgumentException("not an address of the host: " + Ipv4Address.format(destination));
    }

    private InetSocketAddress sender(long high, long low, int senderPort) {
        if (lastSender == null || low != lastSenderLow || high != lastSenderHigh || senderPort != lastSenderPort) {
            lastSender = new InetSocketAddress(NeighbourCache.inetAddress(high, low), senderPort);
            lastSenderHigh = high;
            lastSenderLow = low;
            lastSenderPort = senderPort;
        }
        return lastSender;
    }

    @Override
    Object checkOutbound(Object msg) {
        if (msg instanceof AddressedEnvelope<?, ?> envelope && envelope.content() instanceof ByteBuf) {
            if (destination(envelope).getAddress() instanceof Inet6Address) {
                ipv6Source(envelope);
            } else {
                source(envelope);
            }
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getSimpleName()
                + EXPECTED_TYPES);
    }

    @Override
    ByteBuf encode(Object msg, ByteBufAllocator alloc) {
        AddressedEnvelope<?, ?> envelope = (AddressedEnvelope<?, ?>) msg;
        InetSocketAddress destination = destination(envelope);
        ByteBuf content = (ByteBuf) envelope.content();
        if (destination.getAddress() instanceof Inet6Address address) {
            Ipv6Address source = ipv6Source(envelope);
            // A reply to the last sender, the usual write, takes the address kept of it rather than its octets.
            long destinationHigh = lastSenderHigh;
            long destinationLow = lastSenderLow;
            if (destination != lastSender) {
                Ipv6Address other = Ipv6Address.of(address);
                destinationHigh = other.high();
                destinationLow = other.low();
            }
            return Ipv6Packets.udpDatagram(alloc, source.high(), source.low(), port, destinationHigh, destinationLow,
                    destination.getPort(), content, content.readerIndex(), content.readableBytes());
        }
        return Frames.udpDatagram(alloc, source(envelope), port, ipv4Value(destination), destination.getPort(),
                content, content.readerIndex(), content.readableBytes());
    }

    /** The envelope's recipient, checked: an address of a version the host has addresses of, and a port. */
    private InetSocketAddress destination(AddressedEnvelope<?, ?> envelope) {
        if (!(envelope.recipient() instanceof InetSocketAddress recipient)
                || !(recipient.getAddress() instanceof Inet4Address ? !host.ipv4Addresses().isEmpty()
                        : recipient.getAddress() instanceof Inet6Address && !host.ipv6Addresses().isEmpty())) {
            throw new UnsupportedAddressTypeException();
        }
        if (recipient.getPort() == 0) {
            throw new IllegalArgumentException("no port to send to: " + recipient);
        }
        return recipient;
    }

    /** The source address of an IPv4 datagram: the envelope's sender, checked, or else the host's first address. */
    private int source(AddressedEnvelope<?, ?> envelope) {
        SocketAddress sender = envelope.sender();
        if (sender == null) {
            return host.ipv4Addresses().getFirst().value();
        }
        if (sender instanceof InetSocketAddress socketAddress && socketAddress.getAddress() instanceof Inet4Address
                && (socketAddress.getPort() == 0 || socketAddress.getPort() == port)) {
            int address = ipv4Value(socketAddress);
            if (host.isOurs(address)) {
                return address;
            }
        }
        throw new IllegalArgumentException("cannot send from " + sender + " on port " + port + " of " + host);
    }

    /** The source address of an IPv6 datagram: the envelope's sender, checked, or else the host's first address. */
    private Ipv6Address ipv6Source(AddressedEnvelope<?, ?> envelope) {
        SocketAddress sender = envelope.sender();
        List<Ipv6Address> addresses = host.ipv6Addresses();
        if (sender == null) {
            return addresses.getFirst();
        }
        if (sender instanceof InetSocketAddress socketAddress && socketAddress.getAddress() instanceof Inet6Address
                && (socketAddress.getPort() == 0 || socketAddress.getPort() == port)) {
            for (int i = 0; i < ipv6Recipients.length; i++) {
                if (socketAddress == ipv6Recipients[i]) {
                    return addresses.get(i); // a datagram's recipient, answered from: known without its octets
                }
            }
            Ipv6Address address = Ipv6Address.of((Inet6Address) socketAddress.getAddress());
            if (addresses.contains(address)) {
                return address;
            }
        }
        throw new IllegalArgumentException("cannot send from " + sender + " on port " + port + " of " + host);
    }

    /**
     * The address in its primitive form. Those this channel made, its recipients and the last sender, are known
     * without copying the octets out of the {@code InetAddress}: a service answering a datagram writes them back.
     */
    private int ipv4Value(InetSocketAddress address) {
        if (address == lastSender) {
            return (int) lastSenderLow; // an IPv4 sender is kept IPv4-mapped: its address is the low 32 bits
        }
        for (int i = 0; i < recipients.length; i++) {
            if (address == recipients[i]) {
                return host.ipv4Addresses().get(i).value();
            }
        }
        return Ipv4Address.of((Inet4Address) address.getAddress()).value();
    }
}
