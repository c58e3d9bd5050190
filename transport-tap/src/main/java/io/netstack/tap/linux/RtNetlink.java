package io.netstack.tap.linux;

import io.netstack.tap.TunTapException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A {@code NETLINK_ROUTE} socket in the calling thread's network namespace: requests that the kernel acknowledges,
 * and dumps. Failures carry the kernel's extended-ack text ("MTU greater than device maximum") when it gives one.
 */
final class RtNetlink implements AutoCloseable {
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final int RECEIVE_BUFFER = 32 * 1024;

    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment receiveBuffer = arena.allocate(RECEIVE_BUFFER);
    private int sequence;

    private RtNetlink(int fd) {
        this.fd = fd;
    }

    static RtNetlink open(String device) throws TunTapException {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0) {
            throw new TunTapException(device, "socket(AF_NETLINK, NETLINK_ROUTE)", -fd);
        }
        // Best effort: older kernels simply give no explanation with their errors.
        Libc.setIntSocketOption(fd, Libc.SOL_NETLINK, NETLINK_EXT_ACK, 1);
        Libc.setIntSocketOption(fd, Libc.SOL_NETLINK, NETLINK_CAP_ACK, 1);
        return new RtNetlink(fd);
    }

    /** Sends a request with NLM_F_ACK and waits for the kernel's answer. */
    void request(NetlinkMessage message, String device, String operation) throws TunTapException {
        int seq = send(message, NetlinkMessage.NLM_F_ACK, device, operation);
        for (;;) {
            for (ByteBuffer reply : receive(device, operation)) {
                if (reply.getInt(8) == seq && reply.getShort(4) == NetlinkMessage.NLMSG_ERROR) {
                    checkAck(reply, device, operation);
                    return;
                }
            }
        }
    }

    /** Sends a dump request and returns every reply message (header included) until NLMSG_DONE. */
    List<ByteBuffer> dump(NetlinkMessage message, String device, String operation) throws TunTapException {
        int seq = send(message, NetlinkMessage.NLM_F_DUMP, device, operation);
        List<ByteBuffer> replies = new ArrayList<>();
        for (;;) {
            for (ByteBuffer reply : receive(device, operation)) {
                if (reply.getInt(8) != seq) {
                    continue;
                }
                int type = reply.getShort(4);
                if (type == NetlinkMessage.NLMSG_DONE) {
                    return replies;
                }
                if (type == NetlinkMessage.NLMSG_ERROR) {
                    checkAck(reply, device, operation);
                    return replies;
                }
                replies.add(reply);
            }
        }
    }

    private int send(NetlinkMessage message, int extraFlags, String device, String operation)
            throws TunTapException {
        int seq = ++sequence;
        ByteBuffer bytes = message.finish(seq);
        bytes.putShort(6, (short) (bytes.getShort(6) | extraFlags));
        MemorySegment out = arena.allocate(bytes.remaining());
        MemorySegment.copy(bytes.array(), 0, out, JAVA_BYTE, 0, bytes.remaining());
        long sent = Libc.send(fd, out, out.byteSize());
        if (sent < 0) {
            throw new TunTapException(device, operation + " (netlink send)", (int) -sent);
        }
        return seq;
    }

    /** One datagram from the kernel, split into its messages. */
    private List<ByteBuffer> receive(String device, String operation) throws TunTapException {
        long received = Libc.recv(fd, receiveBuffer, RECEIVE_BUFFER);
        if (received < 0) {
            throw new TunTapException(device, operation + " (netlink receive)", (int) -received);
        }
        ByteBuffer datagram = ByteBuffer.wrap(receiveBuffer.asSlice(0, received).toArray(JAVA_BYTE))
                .order(ByteOrder.nativeOrder());
        List<ByteBuffer> messages = new ArrayList<>();
        int at = 0;
        while (at + NetlinkMessage.HEADER_LENGTH <= received) {
            int length = datagram.getInt(at);
            if (length < NetlinkMessage.HEADER_LENGTH || at + length > received) {
                break;
            }
            messages.add(datagram.slice(at, length).order(ByteOrder.nativeOrder()));
            at += (length + 3) & ~3;
        }
        return messages;
    }

    /** An NLMSG_ERROR with error 0 is the acknowledgement; anything else is the errno, negated. */
    private static void checkAck(ByteBuffer reply, String device, String operation) throws TunTapException {
        int error = reply.getInt(NetlinkMessage.HEADER_LENGTH);
        if (error == 0) {
            return;
        }
        String explanation = null;
        if ((reply.getShort(6) & NetlinkMessage.NLM_F_ACK_TLVS) != 0) {
            // With NETLINK_CAP_ACK the echoed request is only its 16-byte header.
            int attributesFrom = NetlinkMessage.HEADER_LENGTH + Integer.BYTES + NetlinkMessage.HEADER_LENGTH;
            Map<Integer, ByteBuffer> attributes = NetlinkMessage.attributes(reply, attributesFrom, reply.limit());
            ByteBuffer message = attributes.get(NLMSGERR_ATTR_MSG);
            if (message != null) {
                byte[] text = new byte[message.remaining()];
                message.get(text);
                explanation = new String(text, StandardCharsets.UTF_8).replace("\0", "");
            }
        }
        throw new TunTapException(device, operation, -error, explanation);
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
