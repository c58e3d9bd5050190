#!/usr/bin/env bash
# Builds benchmarks/native/c_forwarder.c with gcc into a temporary directory and runs it:
#   benchmarks/native/c_forwarder.sh [SECONDS]   ->   RESULT impl=c-forwarder offloads=off gbps=N
# Needs root (it makes its own network namespaces, and nothing outlives it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-5}"
if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E "$0" "$@"
fi
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
gcc -O2 -Wall -Wextra -pthread -o "$build/c_forwarder" "$here/c_forwarder.c"
"$build/c_forwarder" "$seconds"
