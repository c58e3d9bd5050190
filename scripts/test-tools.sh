#!/usr/bin/env bash
# Installs the programs that the tests run beside the code under test, on a Debian-based machine. `./mvnw verify`
# runs it once before the first test (see the parent pom), so a fresh machine needs nothing installed by hand;
# examples/demo.sh runs it for ping and curl. Arguments name the programs to check; none means all of them.
set -euo pipefail

# program:Debian package, for every program a test runs; the one place this list is kept.
tools=(
  ip:iproute2          # the kernel's side: links, addresses, neighbours
  ss:iproute2          # the kernel's view of a TCP connection: window scale, timestamps, SACK
  unshare:util-linux   # private mount and user namespaces
  setpriv:util-linux   # a child JVM as another user, without capabilities
  mount:mount          # a private /dev/net/tun and /sys in that mount namespace
  ethtool:ethtool      # the offloads the kernel sees on a device
  ping:iputils-ping    # the kernel pinging the userspace host
  tshark:tshark        # an independent reading of the host's pcap files
  tcpdump:tcpdump      # the lines FrameFormatter imitates, to compare with
  curl:curl            # the kernel's HTTP client, fetching pages from the host's TCP services
  patchelf:patchelf    # a copy of the java launcher given file capabilities
  setcap:libcap2-bin
  python3:python3-minimal  # a raw socket of the kernel's (the JDK has none) sending an unknown IP protocol
)

missing=()
for tool in "${tools[@]}"; do
  program=${tool%%:*}
  if [ $# -gt 0 ] && [[ " $* " != *" $program "* ]]; then
    continue
  fi
  command -v "$program" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]#*:}" | sort -u | paste -sd " ")
echo "test tools missing: ${missing[*]%%:*}" >&2
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install them as root (Debian: apt-get install $packages), or skip the tests with -DskipTests" >&2
  exit 1
fi
# Another apt-get (a second build, the machine's own updates) may hold dpkg's lock: wait for it rather than fail.
wait_for_lock=(-o DPkg::Lock::Timeout=300)
apt-get "${wait_for_lock[@]}" update -q
# noninteractive: tshark's package would otherwise ask whether non-root users may capture.
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get "${wait_for_lock[@]}" install -y -q --no-install-recommends $packages

for tool in "${missing[@]}"; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || { echo "${tool#*:} did not install ${tool%%:*}" >&2; exit 1; }
done
