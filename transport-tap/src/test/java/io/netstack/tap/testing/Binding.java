package io.netstack.tap.testing;

import io.netstack.tap.TapAddress;
import io.netstack.tap.TapChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;

import java.util.List;

/** How tests bind their channels. */
public final class Binding {
    private Binding() {
    }

    /**
     * Binds a channel of {@code bootstrap} to {@code address} and adds it to {@code opened}, for the test to close
     * even when the bind failed; a failed bind fails the test with its cause.
     */
    public static TapChannel bindOrFail(Bootstrap bootstrap, TapAddress address, List<? super TapChannel> opened)
            throws InterruptedException {
        ChannelFuture bound = bootstrap.bind(address).await();
        TapChannel channel = (TapChannel) bound.channel();
        opened.add(channel);
        if (!bound.isSuccess()) {
            throw new AssertionError("bind " + address + " failed", bound.cause());
        }
        return channel;
    }
}
