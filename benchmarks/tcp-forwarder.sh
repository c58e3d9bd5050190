#!/usr/bin/env bash
# Bulk TCP through a userspace forwarder between two TAP devices, each run in private network namespaces:
#   benchmarks/tcp-forwarder.sh [SECONDS]
# prints one RESULT line per run: TcpForwarderBench with offloads on and off, on epoll and io_uring, then the plain C
# read/write forwarder (benchmarks/native/c_forwarder.c) for reference. Needs root; leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
case "$seconds" in *[!0-9]*|'') echo "SECONDS must be a number" >&2; exit 2 ;; esac

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E "$0" "$@"
fi

./mvnw -q -B -pl benchmarks -am install -DskipTests
for transport in epoll io_uring; do
  for offloads in off on; do
    ./mvnw -q -B -pl benchmarks validate exec:exec -Dbench.main=io.netstack.benchmarks.TcpForwarderBench \
      -Dbench.args="offloads=$offloads transport=$transport seconds=$seconds" | grep '^RESULT'
  done
done
benchmarks/native/c_forwarder.sh "$seconds"
