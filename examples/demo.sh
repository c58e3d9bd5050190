#!/usr/bin/env bash
# Runs one of the examples: examples/demo.sh [NAME [ARGS...]], NAME defaulting to the main demo (Demo); a NAME that
# is not a runnable example prints the runnable ones and exits with 2.
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): every example makes its own network namespace, so the host's network
# is never touched and nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

# The runnable examples are the classes with a main method in io.netstack.examples; their helpers (DemoTap, Ping,
# ...) live in io.netstack.examples.support.
# The name is checked first, before sudo and Maven, so a wrong one costs one line.
sources=examples/src/main/java/io/netstack/examples
runnable=$(grep -l 'static void main(' "$sources"/*.java | sed 's|.*/||; s|\.java$||' | sort | tr '\n' ' ')
runnable=${runnable% }
example="${1:-Demo}"
case " $runnable " in
  *" $example "*) ;;
  *) echo "examples/demo.sh: no runnable example '$example'; choose one of: $runnable" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E "$0" "$@"
  fi
  echo "examples/demo.sh needs root (CAP_NET_ADMIN to create devices, CAP_SYS_ADMIN for a private namespace)" >&2
  exit 1
fi
shift || true

# The main demo has the kernel ping the userspace host, and Java cannot send ICMP itself: ping must be installed.
# HttpOverTap has the kernel's curl fetch a page from the host.
if ! scripts/test-tools.sh ping curl >&2; then
  echo "could not install ping and curl: a demo that needs them will report its pings or fetches as failed" >&2
fi

# Builds what the example needs, then runs it on the JDK 25 the toolchains plugin found.
exec ./mvnw -q -B -pl examples -am package exec:exec -DskipTests -Dexample="$example" -Dexample.args="$*"
