#!/usr/bin/env bash
# Runs one C reference benchmark in a network namespace of its own:
#   unshare -n -> topology.sh up MODE MTU -> build/IMPL -> topology.sh down
# and prints its one RESULT line (or a SKIP line) on stdout.
#
# Usage: run-c.sh IMPL MODE SIZE [SECONDS [WARMUP]]
#   IMPL     c-blocking | c-io_uring | c-io_uring-mshot
#   MODE     tap | tun
#   SIZE     bytes per Ethernet frame (tap) or IP packet (tun)
#   SECONDS  measured window, default 5; WARMUP default 1
# Env: BENCH_WAIT_QUIET=N  wait up to N s (default 60) for an idle machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
topo=$here/../topology.sh

usage() { echo "usage: $0 c-blocking|c-io_uring|c-io_uring-mshot tap|tun SIZE [SECONDS [WARMUP]]" >&2; exit 2; }
[[ $# -ge 3 && $# -le 5 ]] || usage
impl=$1 mode=$2 size=$3 seconds=${4:-5} warmup=${5:-1}
case $impl in c-blocking|c-io_uring|c-io_uring-mshot) ;; *) usage ;; esac
case $mode in tap|tun) ;; *) usage ;; esac
[[ $size =~ ^[0-9]+$ ]] || usage
[[ $seconds =~ ^[0-9]+([.][0-9]+)?$ && $warmup =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
# MTU sized to the frame as a real setup would need (the Ethernet header is
# not part of it); the write->tc->mirred->read path itself does not check it.
if [[ $mode == tap ]]; then mtu=$(( size - 14 )) link_overhead=18; else mtu=$size link_overhead=0; fi
(( mtu < 1500 )) && mtu=1500
# netstack-io_uring reads with a multishot read only into read buffers (the MTU, TAP's 18 bytes of Ethernet header
# and VLAN tag, one byte more) of up to 4096 bytes, and with single reads beyond, which c-io_uring shows.
if [[ $impl == c-io_uring-mshot ]] && (( mtu + link_overhead + 1 > 4096 )); then
  echo "SKIP impl=$impl mode=$mode size=$size reason=multishot-design-reads-buffers-up-to-4096-B"
  exit 0
fi

if [[ -z ${NETSTACK_BENCH_NETNS:-} ]]; then
  # Outer part, in the caller's namespace: build if needed, then re-run this
  # script in a fresh network namespace. Nothing here touches a device.
  [[ $(id -u) == 0 ]] || { echo "run-c.sh: needs root (unshare -n, /dev/net/tun)" >&2; exit 1; }
  if [[ ! -x $here/build/$impl ]]; then
    "$here/build.sh" >&2 || true
  fi
  if [[ ! -x $here/build/$impl ]]; then
    echo "SKIP impl=$impl mode=$mode size=$size reason=not-built(see-build.sh-output)"
    exit 0
  fi
  # This machine may be shared: wait (bounded) until other processes leave
  # the CPUs mostly idle, so runs are comparable. The RESULT line's
  # other_cpus field tells how busy they were during the window itself.
  wait_quiet=${BENCH_WAIT_QUIET:-60}
  busy() { awk '/^cpu / { print $2+$3+$4+$7+$8+$9 }' /proc/stat; }
  for ((waited = 0; waited < wait_quiet; waited++)); do
    b0=$(busy); sleep 1; b1=$(busy)
    (( b1 - b0 <= $(getconf CLK_TCK) / 5 )) && break   # <= 0.2 CPU busy
    (( waited == 0 )) && echo "run-c.sh: machine busy, waiting up to ${wait_quiet}s for it to calm down" >&2
  done
  (( waited > 0 && waited >= wait_quiet )) && echo "run-c.sh: still busy after ${wait_quiet}s; running anyway" >&2

  # Safety check: none of the topology's devices may show up in the host
  # namespace. Other changes are only reported: another process on the
  # machine may add or remove links while we run.
  links() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
  before=$(links)
  set +e
  NETSTACK_BENCH_NETNS=1 unshare -n -- "$0" "$@"
  rc=$?
  set -e
  after=$(links)
  if grep -qxE 'tap[ab]|tun[ab]' <<<"$after" && ! grep -qxE 'tap[ab]|tun[ab]' <<<"$before"; then
    echo "run-c.sh: ERROR: a benchmark device appeared in the host namespace:" >&2
    grep -xE 'tap[ab]|tun[ab]' <<<"$after" >&2
    exit 1
  fi
  if [[ $before != "$after" ]]; then
    echo "run-c.sh: note: the host's link list changed during the run (this script" \
         "makes devices only in its own namespace; another process?):" $(diff <(echo "$before") <(echo "$after") | grep '^[<>]') >&2
  fi
  exit $rc
fi

# Inner part: we are in the namespace made for this run; it and everything
# in it disappear when this process exits, and we also tear down explicitly.
trap '"$topo" down "$mode" || true' EXIT
trap 'exit 130' INT TERM
ip link set dev lo up
"$topo" up "$mode" "$mtu"

# The program stops itself after WARMUP+SECONDS; timeout is the backstop.
limit=$(awk -v s="$seconds" -v w="$warmup" 'BEGIN { printf "%d", s + w + 15 }')
timeout --kill-after=5 "$limit" \
  "$here/build/$impl" --mode "$mode" --size "$size" --seconds "$seconds" --warmup "$warmup"
