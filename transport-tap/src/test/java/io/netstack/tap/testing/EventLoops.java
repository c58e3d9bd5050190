package io.netstack.tap.testing;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The event loop groups of a test, shut down after each test (after its {@code @AfterEach} methods), so that no
 * loop, and no channel left open on one, outlives the test. Register it as a field:
 * {@code @RegisterExtension final EventLoops loops = new EventLoops();}
 */
public final class EventLoops implements AfterEachCallback {
    private final List<EventLoopGroup> groups = new ArrayList<>();

    /** A group of {@code threads} loops of {@code transport}, shut down after the test. */
    public EventLoopGroup open(Transport transport, int threads) {
        EventLoopGroup group = transport.newGroup(threads);
        groups.add(group);
        return group;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        try {
            for (EventLoopGroup group : groups) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        } finally {
            groups.clear();
        }
    }
}
