# Run inside `unshare -n`: a TAP device whose other end is this script, the kernel on the device side.
import fcntl, os, select, socket, struct, subprocess, time

def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)

TUNSETIFF = 0x400454ca
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"tap6", 0x0002 | 0x1000))
sh("ip link set lo up")
sh("ip link set tap6 address 02:00:5e:10:00:01")
sh("sysctl -qw net.ipv6.conf.tap6.accept_ra=0 net.ipv6.conf.tap6.autoconf=0")
sh("ip link set tap6 up")
KERNEL_MAC = bytes.fromhex("02005e100001")
HOST_MAC = bytes.fromhex("02005e100002")

def frames(seconds):
    out = []
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if r:
            out.append(os.read(fd, 70000))
    return out

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ipv6(src, dst, nh, payload, hop=255):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hop) + src + dst + payload

def icmp6(src, dst, msg):
    pseudo = src + dst + struct.pack("!I3xB", len(msg), 58)
    c = csum(pseudo + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]

def show(name, f):
    print(name, f.hex())

a = lambda t: socket.inet_pton(socket.AF_INET6, t)
# DAD NS: the kernel probes its new address from ::
sh("ip -6 addr add 2001:db8::1/64 dev tap6")
got = frames(2.5)
for f in got:
    if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 135:
        show("DAD_NS", f)
        break
time.sleep(1)
frames(0.5)
# NS for an unknown neighbour, triggered by a UDP datagram to it
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8::1", 40000))
s.sendto(b"hello", ("2001:db8::2", 7))
for f in frames(1.5):
    if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 135:
        show("NS", f)
        break
# answer it: our NA, solicited + override, with target link-layer option
na = icmp6(a("2001:db8::2"), a("2001:db8::1"),
           struct.pack("!BBHI", 136, 0, 0, 0x60000000) + a("2001:db8::2") + b"\x02\x01" + HOST_MAC)
os.write(fd, KERNEL_MAC + HOST_MAC + b"\x86\xdd" + ipv6(a("2001:db8::2"), a("2001:db8::1"), 58, na))
for f in frames(1.0):
    if f[12:14] == b"\x86\xdd" and f[20] == 17:
        show("UDP", f)
        break
# the kernel's NA to our NS (from the host's address, with source link-layer option)
ns = icmp6(a("2001:db8::2"), a("ff02::1:ff00:1"),
           struct.pack("!BBHI", 135, 0, 0, 0) + a("2001:db8::1") + b"\x01\x01" + HOST_MAC)
os.write(fd, bytes.fromhex("3333ff000001") + HOST_MAC + b"\x86\xdd" + ipv6(a("2001:db8::2"), a("ff02::1:ff00:1"), 58, ns))
for f in frames(1.0):
    if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 136:
        show("NA", f)
        break
# an echo request from a raw ICMPv6 socket: the kernel writes the IPv6 header and the checksum
r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
r.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x1234, 1) + bytes(range(0x10, 0x10 + 56)), ("2001:db8::2", 0))
for f in frames(1.0):
    if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 128:
        show("ECHO_REQUEST", f)
        break
# the kernel's port unreachable for a datagram to a closed port
udp = struct.pack("!HHHH", 40001, 9, 8 + 3, 0) + b"abc"
pseudo = a("2001:db8::2") + a("2001:db8::1") + struct.pack("!I3xB", len(udp), 17)
udp = udp[:6] + struct.pack("!H", csum(pseudo + udp)) + udp[8:]
os.write(fd, KERNEL_MAC + HOST_MAC + b"\x86\xdd" + ipv6(a("2001:db8::2"), a("2001:db8::1"), 17, udp, 64))
for f in frames(1.0):
    if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 1:
        show("PORT_UNREACHABLE", f)
        break
# the kernel's parameter problem for a destination option of type 0x80 (discard and report)
dst_opts = bytes([59, 0, 0x80, 2, 0, 0, 1, 0])  # next: No Next Header; option 0x80 len 2; PadN len 0
os.write(fd, KERNEL_MAC + HOST_MAC + b"\x86\xdd" + ipv6(a("2001:db8::2"), a("2001:db8::1"), 60, dst_opts, 64))
for f in frames(1.0):
    if f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 4:
        show("PARAMETER_PROBLEM", f)
        break
