#!/usr/bin/env bash
# Builds the C reference benchmarks into benchmarks/native/build/.
#   c-blocking  always (needs only gcc and libc)
#   xcpu-probe  always: the cache-line round trip between two CPUs (see xcpu_probe.c)
#   c-io_uring, c-io_uring-mshot (the same source built with NETSTACK_DESIGN)
#               if liburing is present; when it is missing and we are root
#               with apt-get, installs liburing-dev (set NO_INSTALL=1 to
#               forbid that); otherwise skips it and says why.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/build
mkdir -p "$out"

cc=${CC:-gcc}
cflags=(-O2 -g -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration -pthread)

command -v "$cc" >/dev/null || { echo "build.sh: $cc not found; install gcc" >&2; exit 1; }

"$cc" "${cflags[@]}" -o "$out/c-blocking" "$here/c_blocking.c" "$here/common.c"
echo "built $out/c-blocking"
"$cc" "${cflags[@]}" -o "$out/xcpu-probe" "$here/xcpu_probe.c"
echo "built $out/xcpu-probe"

have_uring() {
  # A header alone is not enough: compile and link a tiny program.
  echo '#include <liburing.h>
int main(void){struct io_uring r; return io_uring_queue_init(1,&r,0) == 12345;}' |
    "$cc" -x c -o /dev/null - -luring >/dev/null 2>&1
}

if ! have_uring; then
  if [[ ${NO_INSTALL:-0} != 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "build.sh: liburing-dev missing; installing it with apt-get"
    if ! apt-get install -y liburing-dev >/dev/null 2>&1; then
      apt-get update >/dev/null 2>&1 || true
      apt-get install -y liburing-dev >/dev/null 2>&1 || true
    fi
  fi
fi

if have_uring; then
  "$cc" "${cflags[@]}" -o "$out/c-io_uring" "$here/c_io_uring.c" "$here/common.c" -luring
  echo "built $out/c-io_uring"
  "$cc" "${cflags[@]}" -DNETSTACK_DESIGN -o "$out/c-io_uring-mshot" "$here/c_io_uring.c" "$here/common.c" -luring
  echo "built $out/c-io_uring-mshot"
else
  rm -f "$out/c-io_uring" "$out/c-io_uring-mshot"
  echo "build.sh: SKIPPED c-io_uring and c-io_uring-mshot: liburing (Debian package liburing-dev) is not" \
       "installed and could not be installed (NO_INSTALL=${NO_INSTALL:-0}, uid $(id -u))" >&2
fi
