package io.netstack.handler.tcp;

import io.netstack.wire.IpHeader;

import java.net.InetSocketAddress;

/**
 * The two ends of one connection: the IP header its segments go out under, from this host to the peer, with the
 * ports; kept once per connection so that sending writes headers without allocating.
 *
 * @param ip     the header of the segments this host sends, its protocol TCP
 * @param local  this host's end
 * @param remote the peer's end
 */
public record TcpFlow(IpHeader ip, InetSocketAddress local, InetSocketAddress remote) {
    /** {@return this host's port} */
    public int localPort() {
        return local.getPort();
    }

    /** {@return the peer's port} */
    public int remotePort() {
        return remote.getPort();
    }

    @Override
    public String toString() {
        return local + " -> " + remote;
    }
}
