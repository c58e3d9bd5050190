package io.netstack.wire;

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
}
