package io.netstack.wire.testing;

/**
 * IPv6 frames captured from a Linux 6.18 kernel, byte for byte, by {@code capture-ipv6-frames.py} (beside this
 * class among the test resources) run once under {@code unshare -n}: a TAP device {@code tap6} with MAC
 * {@code 02:00:5e:10:00:01} and {@code 2001:db8::1/64} on the kernel's side, the script on the other end as the
 * neighbour {@code 2001:db8::2} with MAC {@code 02:00:5e:10:00:02}, reading what the kernel sent and writing what it
 * answered. A TAP device neither pads frames nor leaves checksums to an offload.
 */
public final class CapturedIpv6Frames {
    /**
     * The kernel's duplicate address detection probe on {@code ip -6 addr add 2001:db8::1/64}: a Neighbor
     * Solicitation from {@code ::} to {@code ff02::1:ff00:1}, without link-layer address, with a Nonce option
     * (RFC 7527) (86 bytes).
     */
    public static final byte[] DAD_SOLICITATION = CapturedFrames.hex(
            "3333ff00000102005e10000186dd6000000000203aff00000000000000000000" +
            "000000000000ff0200000000000000000001ff00000187006e93000000002001" +
            "0db80000000000000000000000010e01428c5d723052");

    /**
     * The kernel's Neighbor Solicitation for {@code 2001:db8::2} on a UDP datagram to it with an empty neighbour
     * table: to {@code ff02::1:ff00:2}, MAC {@code 33:33:ff:00:00:02}, with its Source Link-Layer Address (86 bytes).
     */
    public static final byte[] NEIGHBOR_SOLICITATION = CapturedFrames.hex(
            "3333ff00000202005e10000186dd6000000000203aff20010db8000000000000" +
            "000000000001ff0200000000000000000001ff0000028700be16000000002001" +
            "0db8000000000000000000000002010102005e100001");

    /**
     * The kernel's Neighbor Advertisement answering a solicitation for {@code 2001:db8::1} from
     * {@code 2001:db8::2}: S and O set, with its Target Link-Layer Address (86 bytes).
     */
    public static final byte[] NEIGHBOR_ADVERTISEMENT = CapturedFrames.hex(
            "02005e10000202005e10000186dd6000000000203aff20010db8000000000000" +
            "00000000000120010db800000000000000000000000288002c63600000002001" +
            "0db8000000000000000000000001020102005e100001");

    /**
     * An echo request sent on a raw ICMPv6 socket, identifier 0x1234, sequence 1, 56 bytes counting up from
     * 0x10; the kernel wrote the IPv6 header and the checksum (118 bytes).
     */
    public static final byte[] ECHO_REQUEST = CapturedFrames.hex(
            "02005e10000202005e10000186dd600b335300403a4020010db8000000000000" +
            "00000000000120010db800000000000000000000000280005906123400011011" +
            "12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031" +
            "32333435363738393a3b3c3d3e3f4041424344454647");

    /**
     * Python's {@code sendto(b"hello", ("2001:db8::2", 7))} from port 40000, once the neighbour was resolved:
     * checksum 0xc445 (67 bytes).
     */
    public static final byte[] UDP_HELLO = CapturedFrames.hex(
            "02005e10000202005e10000186dd60090e94000d114020010db8000000000000" +
            "00000000000120010db80000000000000000000000029c400007000dc4456865" +
            "6c6c6f");

    /**
     * The kernel's Port Unreachable for a UDP datagram of 3 bytes from {@code 2001:db8::2} port 40001 to its
     * closed port 9, quoting the whole datagram (113 bytes).
     */
    public static final byte[] PORT_UNREACHABLE = CapturedFrames.hex(
            "02005e10000202005e10000186dd600eda35003b3a4020010db8000000000000" +
            "00000000000120010db8000000000000000000000002010431e2000000006000" +
            "0000000b114020010db800000000000000000000000220010db8000000000000" +
            "0000000000019c410009000b43b6616263");

    /**
     * The kernel's Parameter Problem, code 2, pointer 42, for a packet whose Destination Options header
     * carries an option of type 0x80 (discard and report), followed by No Next Header (110 bytes).
     */
    public static final byte[] PARAMETER_PROBLEM = CapturedFrames.hex(
            "02005e10000202005e10000186dd60005e8400383a4020010db8000000000000" +
            "00000000000120010db80000000000000000000000020402ec2b0000002a6000" +
            "000000083c4020010db800000000000000000000000220010db8000000000000" +
            "0000000000013b00800200000100");

    private CapturedIpv6Frames() {
    }
}
