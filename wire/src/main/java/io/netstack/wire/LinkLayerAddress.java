package io.netstack.wire;

import java.net.SocketAddress;

/**
 * A channel address that tells what the link under it carries, so that a handler can build the link-specific part of
 * a pipeline from {@code channel.localAddress()} rather than being told; the TAP transport's {@code TapAddress} is
 * one.
 */
public interface LinkLayerAddress {
    /**
     * What each frame of the link starts with.
     *
     * @return {@link LinkLayer#ETHERNET} for Ethernet frames (a TAP device), {@link LinkLayer#IP} for bare IP packets
     *         (a TUN device)
     */
    LinkLayer linkLayer();

    /**
     * The link layer of a channel: what its local address tells if it is a {@code LinkLayerAddress}, else
     * {@code expected}, else Ethernet.
     *
     * @param localAddress the channel's local address, {@code null} before it is bound
     * @param expected     the link layer the caller was configured for, or {@code null} to take the address's
     * @return the link layer
     * @throws IllegalStateException if the address tells a link layer other than {@code expected}
     */
    static LinkLayer linkLayerOf(SocketAddress localAddress, LinkLayer expected) {
        if (localAddress instanceof LinkLayerAddress address) {
            if (expected != null && expected != address.linkLayer()) {
                throw new IllegalStateException("configured for " + expected + " on a channel of "
                        + address.linkLayer() + ": " + address);
            }
            return address.linkLayer();
        }
        return expected != null ? expected : LinkLayer.ETHERNET;
    }
}
