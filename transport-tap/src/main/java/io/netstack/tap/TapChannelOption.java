package io.netstack.tap;

import io.netty.channel.ChannelOption;

/** {@link ChannelOption}s of a {@link TapChannel}, applied when it binds. */
public final class TapChannelOption<T> extends ChannelOption<T> {
    /**
     * Refuse to attach to a device that already exists ({@code IFF_TUN_EXCL}); {@code true} by default, so a channel
     * never takes over somebody else's device by accident. Set {@code false} to attach to an existing (persistent)
     * device on purpose.
     */
    public static final ChannelOption<Boolean> EXCLUSIVE = valueOf(TapChannelOption.class, "EXCLUSIVE");

    @SuppressWarnings("deprecation")
    private TapChannelOption() {
        super(null);
    }
}
