package io.netstack.tap.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc functions Netty does not offer, bound with the FFM API.
 *
 * <p>Every method returns what the kernel returns: a non-negative result, or {@code -errno} on failure (errno is
 * captured by the linker right after the call, before the JVM can clobber it). Callers turn a negative result into a
 * {@link TunTapException} that names the device and the operation; this class knows neither.
 *
 * <p>These are control-plane calls made a handful of times per device, so a confined arena per call is fine.
 */
public final class Libc {
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;

    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_NETLINK = 270;

    public static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // int open(const char *path, int flags, ...): the mode is only read with O_CREAT, which we never pass.
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int ioctl(int fd, unsigned long request, ...): the third argument is a pointer for most requests...
    private static final MethodHandle IOCTL_POINTER = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    // ...and a plain integer for a few (TUNSETPERSIST, TUNSETOWNER, TUNSETGROUP); variadic ints travel as longs.
    private static final MethodHandle IOCTL_VALUE = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = downcall("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SEND = downcall("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = downcall("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // glibc applies these three to every thread of the process (the kernel's calls change only the caller).
    private static final MethodHandle SETGROUPS = downcall("setgroups",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SETRESGID = downcall("setresgid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETRESUID = downcall("setresuid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) OPEN.invokeExact(state, arena.allocateFrom(path), flags), state);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
    }

    /** {@code ioctl(fd, request, argp)} where {@code argp} points at a structure the kernel reads or fills. */
    static int ioctl(int fd, long request, MemorySegment argp) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) IOCTL_POINTER.invokeExact(state, fd, request, argp), state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    /** {@code ioctl(fd, request, value)} for requests whose argument is an integer, not a pointer. */
    static int ioctl(int fd, long request, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) IOCTL_VALUE.invokeExact(state, fd, request, value), state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    static int socket(int domain, int type, int protocol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw linkageFailure("socket", t);
        }
    }

    public static int unshare(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) UNSHARE.invokeExact(state, flags), state);
        } catch (Throwable t) {
            throw linkageFailure("unshare", t);
        }
    }

    static long send(int fd, MemorySegment buffer, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((long) SEND.invokeExact(state, fd, buffer, length, 0), state);
        } catch (Throwable t) {
            throw linkageFailure("send", t);
        }
    }

    static long recv(int fd, MemorySegment buffer, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((long) RECV.invokeExact(state, fd, buffer, length, 0), state);
        } catch (Throwable t) {
            throw linkageFailure("recv", t);
        }
    }

    /** {@code setsockopt(fd, level, name, &value, sizeof(int))}. */
    static int setIntSocketOption(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment option = arena.allocateFrom(JAVA_INT, value);
            return result((int) SETSOCKOPT.invokeExact(state, fd, level, name, option, Integer.BYTES), state);
        } catch (Throwable t) {
            throw linkageFailure("setsockopt", t);
        }
    }

    /** The interface index of {@code name} in the calling thread's namespace, or {@code -errno}. */
    static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int index = (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
            return index == 0 ? -(int) ERRNO.get(state, 0L) : index;
        } catch (Throwable t) {
            throw linkageFailure("if_nametoindex", t);
        }
    }

    /** {@code setgroups(0, NULL)}: no supplementary groups, in every thread. */
    public static int clearGroups() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) SETGROUPS.invokeExact(state, 0L, MemorySegment.NULL), state);
        } catch (Throwable t) {
            throw linkageFailure("setgroups", t);
        }
    }

    public static int setresgid(int gid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) SETRESGID.invokeExact(state, gid, gid, gid), state);
        } catch (Throwable t) {
            throw linkageFailure("setresgid", t);
        }
    }

    public static int setresuid(int uid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return result((int) SETRESUID.invokeExact(state, uid, uid, uid), state);
        } catch (Throwable t) {
            throw linkageFailure("setresuid", t);
        }
    }

    private static long result(long returned, MemorySegment state) {
        return returned == -1 ? -(int) ERRNO.get(state, 0L) : returned;
    }

    private static int result(int returned, MemorySegment state) {
        return returned == -1 ? -(int) ERRNO.get(state, 0L) : returned;
    }

    private static Error linkageFailure(String function, Throwable t) {
        if (t instanceof Error error) {
            return error;
        }
        // invokeExact declares Throwable; a downcall itself throws nothing checked, so this is a bug, not an I/O error.
        return new LinkageError("downcall to " + function + " failed", t);
    }
}
