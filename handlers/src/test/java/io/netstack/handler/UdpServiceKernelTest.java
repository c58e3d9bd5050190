package io.netstack.handler;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netstack.tap.testing.KernelTest;
import io.netstack.tap.testing.Transport;
import io.netstack.wire.Ipv4Address;
import io.netstack.wire.MacAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP services of a {@link UserspaceHost} on a TAP device, with the kernel's UDP sockets as their clients: Netty's
 * DNS codecs answering a query, and a service that answers outside the read of its request.
 */
@KernelTest
@ParameterizedClass
@EnumSource(Transport.class)
class UdpServiceKernelTest {
    private static final String DEVICE = "nsudp0";
    private static final String KERNEL_IP = "192.0.2.1";
    private static final String HOST_IP = "192.0.2.2";
    private static final int DNS_PORT = 53;
    private static final int LATE_PORT = 5000;
    private static final String NAME = "service.netstack.test.";
    private static final byte[] NAME_ADDRESS = {(byte) 192, 0, 2, 53};

    @Parameter
    Transport transport;
    private HostDevice device;
    private UserspaceHost host;
    private TapChannel channel;
    /** The outcome of the late service's write, as its promise tells it. */
    private final CompletableFuture<ChannelFuture> lateWrite = new CompletableFuture<>();

    @BeforeEach
    void startHost() throws InterruptedException {
        host = UserspaceHost.builder(MacAddress.parse("02:00:5e:10:00:02"))
                .address(Ipv4Address.parse(HOST_IP))
                .udpService(DNS_PORT, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel service) {
                        service.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new AddressRecordAnswerer());
                    }
                })
                .udpService(LATE_PORT, new LateAnswerer())
                .build();
        device = HostDevice.bind(transport, host, new TapAddress(DEVICE), KERNEL_IP + "/24");
        channel = device.channel();
    }

    @AfterEach
    void stopHost() throws InterruptedException {
        device.close();
        assertTrue(host.udpServices().channel(DNS_PORT).closeFuture().isDone(), "closed with the TAP channel");
    }

    @Test
    void nettysDnsCodecsAnswerAQueryFromAKernelSocket() throws IOException {
        byte[] query = encodedQuery(0x5eed);
        byte[] answer;
        try (DatagramSocket socket = kernelSocket()) {
            socket.send(new java.net.DatagramPacket(query, query.length, hostAddress(DNS_PORT)));
            java.net.DatagramPacket received = new java.net.DatagramPacket(new byte[512], 512);
            socket.receive(received);
            assertEquals(hostAddress(DNS_PORT), received.getSocketAddress());
            answer = Arrays.copyOf(received.getData(), received.getLength());
        }

        EmbeddedChannel decoder = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        decoder.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(answer),
                new InetSocketAddress(KERNEL_IP, 0), hostAddress(DNS_PORT)));
        DnsResponse response = decoder.readInbound();
        try {
            assertEquals(0x5eed, response.id());
            assertEquals(DnsResponseCode.NOERROR, response.code());
            assertEquals(1, response.count(DnsSection.QUESTION));
            assertEquals(1, response.count(DnsSection.ANSWER));
            DnsRawRecord record = response.recordAt(DnsSection.ANSWER);
            assertEquals(NAME, record.name());
            assertEquals(DnsRecordType.A, record.type());
            assertArrayEquals(NAME_ADDRESS, ByteBufUtil.getBytes(record.content()));
        } finally {
            response.release();
            decoder.finishAndReleaseAll();
        }
        assertEquals(1, host.udpServices().datagramsRead(), host.summary());
    }

    @Test
    void aServiceAnswersOutsideTheReadOfItsRequest() throws Exception {
        byte[] request = "later, please".getBytes(StandardCharsets.US_ASCII);
        try (DatagramSocket socket = kernelSocket()) {
            socket.send(new java.net.DatagramPacket(request, request.length, hostAddress(LATE_PORT)));
            java.net.DatagramPacket received = new java.net.DatagramPacket(new byte[64], 64);
            socket.receive(received);
            assertEquals(hostAddress(LATE_PORT), received.getSocketAddress());
            assertArrayEquals(request, Arrays.copyOf(received.getData(), received.getLength()));
        }
        ChannelFuture write = lateWrite.get(5, TimeUnit.SECONDS);
        assertTrue(write.await(5, TimeUnit.SECONDS));
        assertTrue(write.isSuccess(), () -> String.valueOf(write.cause()));
        assertEquals(0, host.drops().outboundTotal(), host.summary());
    }

    /** A DNS query for {@link #NAME}'s A record, as Netty's encoder writes it. */
    private static byte[] encodedQuery(int id) {
        EmbeddedChannel encoder = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        DatagramDnsQuery query = new DatagramDnsQuery(null, hostAddress(DNS_PORT), id);
        query.setRecursionDesired(true).addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(NAME, DnsRecordType.A));
        encoder.writeOutbound(query);
        DatagramPacket packet = encoder.readOutbound();
        try {
            return ByteBufUtil.getBytes(packet.content());
        } finally {
            packet.release();
            encoder.finishAndReleaseAll();
        }
    }

    private static InetSocketAddress hostAddress(int port) {
        return new InetSocketAddress(InetAddress.ofLiteral(HOST_IP), port);
    }

    private static DatagramSocket kernelSocket() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(KERNEL_IP), 0));
        socket.setSoTimeout(5000);
        return socket;
    }

    /** Answers a query for {@link #NAME}'s A record with {@link #NAME_ADDRESS}. */
    private static final class AddressRecordAnswerer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.addRecord(DnsSection.QUESTION, question);
            if (question.type() == DnsRecordType.A && question.name().equals(NAME)) {
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 60,
                        Unpooled.wrappedBuffer(NAME_ADDRESS)));
            } else {
                response.setCode(DnsResponseCode.NXDOMAIN);
            }
            ctx.writeAndFlush(response);
        }
    }

    /** Sends each datagram back a little later, from a task of the loop, outside the read that brought it. */
    private final class LateAnswerer extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket request) {
            ByteBuf data = request.content().retain();
            InetSocketAddress sender = request.sender();
            ctx.executor().schedule(
                    () -> lateWrite.complete(ctx.writeAndFlush(new DatagramPacket(data, sender))),
                    20, TimeUnit.MILLISECONDS);
        }
    }
}
