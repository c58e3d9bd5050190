package io.netstack.handler;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * An RFC 862 style UDP echo service: sends each {@link DatagramPacket} it reads back to its sender with the same
 * data, from the address it was sent to, and flushes once per read loop. Other messages pass on. A
 * {@link UserspaceHost} binds one to its echo port; bound with {@link UserspaceHost.Builder#udpService} it serves
 * any other port, and it runs on any datagram channel of Netty's as well.
 */
public final class UdpEchoHandler extends ChannelInboundHandlerAdapter {
    /** The well-known echo port of RFC 862. */
    public static final int ECHO_PORT = 7;

    private boolean flushPending;
    private volatile long datagramsEchoed;

    /** An echo service; the port is the channel's. */
    public UdpEchoHandler() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket request) {
            // The request's content goes back as it is: the reply takes over its reference.
            ctx.write(new DatagramPacket(request.content(), request.sender(), request.recipient()),
                    ctx.voidPromise());
            flushPending = true;
            datagramsEchoed++;
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** {@return how many datagrams were sent back} */
    public long datagramsEchoed() {
        return datagramsEchoed;
    }
}
