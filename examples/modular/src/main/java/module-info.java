/**
 * An application of netstack's on the module path: a userspace host on a TAP device, which the kernel reaches over
 * UDP. It names the modules it uses, and one more: the Netty jar that holds the epoll transport's {@code .so}.
 *
 * <p>That jar is a module of its own ({@code io.netty.transport.epoll.linux.x86_64}) with no packages, only the
 * {@code .so} that {@code io.netty.transport.classes.epoll} loads as a resource. No module requires it, so without
 * this line it would not be resolved, its resource would stay invisible and epoll would be unavailable; the
 * alternative, {@code --add-modules} on every command line, is the launcher's business rather than the
 * application's. The name carries the architecture, as the jar's classifier does: on an ARM machine it is
 * {@code io.netty.transport.epoll.linux.aarch_64}. Netty's io_uring is not used, and not on the module path.
 */
module io.netstack.examples.modular {
    requires io.netstack.tap;
    requires io.netstack.handler;
    requires io.netty.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.epoll.linux.x86_64;
}
