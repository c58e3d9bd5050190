#!/usr/bin/env bash
# Runs one of the examples: examples/demo.sh [NAME [ARGS...]], NAME defaulting to the main demo.
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): every example makes its own network namespace, so the host's network
# is never touched and nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$0" "$@"
  fi
  echo "examples/demo.sh needs root (CAP_NET_ADMIN to create devices, CAP_SYS_ADMIN for a private namespace)" >&2
  exit 1
fi

example="${1:-Demo}"
shift || true
case "$example" in
  *[!A-Za-z0-9]*) echo "no such example: $example" >&2; exit 2 ;;
esac
if [ ! -f "examples/src/main/java/io/netstack/examples/$example.java" ]; then
  echo "no such example: $example (have: $(cd examples/src/main/java/io/netstack/examples && ls *.java | sed 's/\.java$//' | tr '\n' ' '))" >&2
  exit 2
fi

# The main demo has the kernel ping the userspace host, and Java cannot send ICMP itself: ping must be installed.
if ! scripts/test-tools.sh ping >&2; then
  echo "could not install ping: the demo will report its pings as failed" >&2
fi

# Builds what the example needs, then runs it on the JDK 25 the toolchains plugin found.
exec ./mvnw -q -B -pl examples -am package exec:exec -DskipTests -Dexample="$example" -Dexample.args="$*"
