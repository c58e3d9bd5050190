#!/usr/bin/env bash
# Benchmark topology: two persistent TAP (or TUN) devices joined by the kernel
# so that every frame written to the first device's fd comes out of the
# second device's fd:
#
#   writer fd -> tapa (ingress) --tc u32 match-all + mirred redirect--> tapb (egress) -> reader fd
#
# The devices are persistent (`ip tuntap add`) so that every implementation
# (C, Java, drasyl) attaches to them the same way: TUNSETIFF with the same
# name and flags, without IFF_TUN_EXCL.
#
# Usage: topology.sh up|down|show tap|tun [MTU]
#
# It must run inside a network namespace made for the benchmark (the caller
# has done `unshare -n` or `ip netns exec`); it refuses to touch the host's.
set -euo pipefail

usage() { echo "usage: $0 up|down|show tap|tun [MTU]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action=$1 mode=$2 mtu=${3:-}

case $mode in
  tap) a=tapa b=tapb max_mtu=65521 ;;   # tap: 65535 minus the Ethernet header
  tun) a=tuna b=tunb max_mtu=65535 ;;
  *) usage ;;
esac

# Refuse to run in the initial network namespace: same netns inode as PID 1.
if [[ "$(readlink /proc/self/ns/net)" == "$(readlink /proc/1/ns/net)" ]]; then
  echo "topology.sh: refusing to run in the host network namespace; use 'unshare -n' first" >&2
  exit 1
fi

exists() { ip link show dev "$1" >/dev/null 2>&1; }

down() {
  local d
  for d in "$a" "$b"; do
    if exists "$d"; then
      # Deleting the device also deletes its qdisc and filters.
      ip tuntap del dev "$d" mode "$mode"
    fi
  done
}

up() {
  if [[ -z $mtu ]]; then mtu=1500; fi
  if (( mtu < 68 || mtu > max_mtu )); then
    echo "topology.sh: MTU $mtu out of range 68..$max_mtu for $mode" >&2
    exit 2
  fi
  # Idempotent: start from a clean state.
  down
  local d
  for d in "$a" "$b"; do
    ip tuntap add dev "$d" mode "$mode"
    # No IPv6 link-local address, so the kernel sends no ND/MLD/RS frames of
    # its own out of the devices (they would reach the reader's fd).
    ip link set dev "$d" addrgenmode none 2>/dev/null || true
    if [[ -w /proc/sys/net/ipv6/conf/$d/disable_ipv6 ]]; then
      echo 1 > "/proc/sys/net/ipv6/conf/$d/disable_ipv6"
    fi
    ip link set dev "$d" mtu "$mtu"
    ip link set dev "$d" up
  done
  # Everything entering $a (i.e. written to its fd) is redirected out of $b
  # (i.e. queued to its fd). matchall/flower are not available here; u32 is.
  tc qdisc add dev "$a" ingress
  tc filter add dev "$a" parent ffff: protocol all prio 1 \
    u32 match u32 0 0 action mirred egress redirect dev "$b"
}

show() {
  ip -s link show dev "$a" || true
  ip -s link show dev "$b" || true
  tc -s filter show dev "$a" ingress || true
}

case $action in
  up) up ;;
  down) down ;;
  show) show ;;
  *) usage ;;
esac
