package io.netstack.handler.fault;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

import static java.util.Objects.requireNonNull;

/**
 * Models a bad link between the channel and the handlers after it: drops, duplicates, corrupts, reorders and
 * delays frames at the rates of its {@link FaultSettings}, and limits their bandwidth, in each direction on its own.
 * Linux's netem does this in the kernel; smoltcp has a fault injector for the same purpose.
 *
 * <p>The decisions are pseudo-random from a seed, with one stream per direction, so the inbound traffic does not
 * shift the outbound decisions. The same seed and the same frames give the same decisions (the bandwidth limit,
 * which follows the clock, aside); {@link #toString()} shows the seed, so a failing run can be replayed with
 * {@link Builder#seed(long)}. {@link #inbound()} and {@link #outbound()} count what was done.
 *
 * <p>Frames are {@code ByteBuf}s and {@code VirtioNetFrame}s; other messages pass untouched. A dropped frame is
 * released, and a dropped outbound frame's write succeeds, as a lossy link reports. A duplicate shares its
 * original's bytes; a corrupted frame is a copy, so corruption never reaches the other copy or a buffer the writer
 * keeps. Held and delayed frames wait on the event loop's scheduler and are released, with their writes failed,
 * when the channel closes or the injector is removed. When no fault fires, a frame passes without allocation.
 *
 * <p>One injector serves one channel, as its held frames belong to it.
 */
public final class FaultInjector extends ChannelDuplexHandler {
    private final long seed;
    private final FaultLane inbound;
    private final FaultLane outbound;

    private FaultInjector(Builder builder) {
        seed = builder.seed;
        SplittableRandom random = new SplittableRandom(seed);
        inbound = new FaultLane(true, builder.inbound, random.split());
        outbound = new FaultLane(false, builder.outbound, random.split());
    }

    /** {@return a builder of an injector that, until told otherwise, leaves every frame alone} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the seed of the decisions} */
    public long seed() {
        return seed;
    }

    /** {@return what is done to the frames the channel reads} */
    public FaultSettings inboundSettings() {
        return inbound.settings();
    }

    /** {@return what is done to the frames written to the channel} */
    public FaultSettings outboundSettings() {
        return outbound.settings();
    }

    /** {@return the counts of what was done to the frames the channel read} */
    public FaultCounters inbound() {
        return inbound.counters();
    }

    /** {@return the counts of what was done to the frames written to the channel} */
    public FaultCounters outbound() {
        return outbound.counters();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        inbound.start(ctx);
        outbound.start(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discardAll();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inbound.accept(msg, null);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        outbound.accept(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        discardAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        discardAll();
        ctx.close(promise);
    }

    private void discardAll() {
        inbound.discardAll();
        outbound.discardAll();
    }

    /**
     * {@return the seed, settings and counts, e.g. {@code FaultInjector(seed 42; inbound drop 5%: seen 1000,
     * dropped 50, ...; outbound none: seen 0, ...)}}
     */
    @Override
    public String toString() {
        return "FaultInjector(seed " + seed + "; inbound " + inbound + "; outbound " + outbound + ')';
    }

    /** The configuration of a {@link FaultInjector}. */
    public static final class Builder {
        private long seed = ThreadLocalRandom.current().nextLong();
        private FaultSettings inbound = FaultSettings.NONE;
        private FaultSettings outbound = FaultSettings.NONE;

        private Builder() {
        }

        /**
         * Sets the seed of the decisions, to replay a run; a random one unless set.
         *
         * @param seed the seed, e.g. from a failed run's {@link FaultInjector#toString()}
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets the faults of the frames the channel reads; {@link FaultSettings#NONE} unless set.
         *
         * @param settings the faults
         * @return this builder
         */
        public Builder inbound(FaultSettings settings) {
            inbound = requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Sets the faults of the frames written to the channel; {@link FaultSettings#NONE} unless set.
         *
         * @param settings the faults
         * @return this builder
         */
        public Builder outbound(FaultSettings settings) {
            outbound = requireNonNull(settings, "settings");
            return this;
        }

        /** {@return a new injector with this configuration, for one channel} */
        public FaultInjector build() {
            return new FaultInjector(this);
        }
    }
}
