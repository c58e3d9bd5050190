/**
 * {@code TapChannel}: a Netty channel over a Linux TAP or TUN device, on Netty's epoll or io_uring event loop. The
 * few system calls Netty lacks are bound with the FFM API in a package this module does not export.
 *
 * <p>Netty's io_uring is optional: an application that registers the channel with an io_uring loop brings
 * {@code netty-transport-classes-io_uring} and the matching {@code netty-transport-native-io_uring} jar, as it would
 * for Netty's own io_uring channels.
 */
module io.netstack.tap {
    requires transitive io.netstack.wire;
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.epoll;
    requires static io.netty.transport.classes.io_uring;

    exports io.netstack.tap;
    exports io.netstack.tap.process;
}
