package io.netstack.tap.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds and parses rtnetlink messages ({@code man 7 netlink}, {@code man 7 rtnetlink}): a 16-byte
 * {@code nlmsghdr}, a family header ({@code ifinfomsg} or {@code ifaddrmsg}), then type-length-value attributes
 * aligned to 4 bytes. Everything is in host byte order.
 */
final class NetlinkMessage {
    static final int HEADER_LENGTH = 16;

    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int RTM_NEWADDR = 20;
    static final int RTM_GETADDR = 22;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_REPLACE = 0x100;
    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_DUMP = 0x300;
    /** In an NLMSG_ERROR reply: extended-ack attributes (the kernel's own explanation) follow. */
    static final int NLM_F_ACK_TLVS = 0x200;

    private static final int ATTRIBUTE_HEADER = 4;
    private static final int NLA_TYPE_MASK = 0x3fff;

    private final ByteBuffer buffer = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());

    NetlinkMessage(int type, int flags) {
        buffer.putInt(0).putShort((short) type).putShort((short) (flags | NLM_F_REQUEST)).putInt(0).putInt(0);
    }

    /** {@code struct ifinfomsg}: which link, and which of its IFF_* flags to change. */
    NetlinkMessage ifinfomsg(int index, int flags, int change) {
        buffer.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
        return this;
    }

    /** {@code struct ifaddrmsg}: an address of one link. */
    NetlinkMessage ifaddrmsg(int family, int prefixLength, int flags, int index) {
        buffer.put((byte) family).put((byte) prefixLength).put((byte) flags).put((byte) 0).putInt(index);
        return this;
    }

    NetlinkMessage attribute(int type, byte[] value) {
        buffer.putShort((short) (ATTRIBUTE_HEADER + value.length)).putShort((short) type).put(value);
        align();
        return this;
    }

    NetlinkMessage attribute(int type, int value) {
        buffer.putShort((short) (ATTRIBUTE_HEADER + Integer.BYTES)).putShort((short) type).putInt(value);
        return this;
    }

    private void align() {
        while ((buffer.position() & 3) != 0) {
            buffer.put((byte) 0);
        }
    }

    /** The finished message with its length and sequence number filled in, ready to send. */
    ByteBuffer finish(int sequence) {
        buffer.putInt(0, buffer.position()).putInt(8, sequence);
        return buffer.duplicate().order(ByteOrder.nativeOrder()).flip();
    }

    /**
     * The attributes between {@code from} and {@code to} of {@code message}, by type (nested-flag bits removed);
     * each value is a little buffer of its own.
     */
    static Map<Integer, ByteBuffer> attributes(ByteBuffer message, int from, int to) {
        Map<Integer, ByteBuffer> attributes = new HashMap<>();
        int at = from;
        while (at + ATTRIBUTE_HEADER <= to) {
            int length = Short.toUnsignedInt(message.getShort(at));
            int type = Short.toUnsignedInt(message.getShort(at + 2)) & NLA_TYPE_MASK;
            if (length < ATTRIBUTE_HEADER || at + length > to) {
                break;
            }
            attributes.put(type, message.slice(at + ATTRIBUTE_HEADER, length - ATTRIBUTE_HEADER)
                    .order(ByteOrder.nativeOrder()));
            at += (length + 3) & ~3;
        }
        return attributes;
    }
}
