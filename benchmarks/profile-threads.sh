#!/usr/bin/env bash
# Where the writer's and the reader's time goes, per frame: runs one implementation of run.sh's table on TAP at one
# frame size, in a network namespace of its own and on the same topology, samples every CPU with `perf record -g`
# for a window once it is warm, and prints, for the two busiest threads (the writer and the reader), the ns per frame
# in the kernel and in user space and the functions that take them (ThreadProfile in the benchmarks module).
#
#   sudo benchmarks/profile-threads.sh c-io_uring-mshot 64
#   sudo benchmarks/profile-threads.sh netstack-io_uring 64
#
# The machine moves between a fast and a slow state within minutes: profile the implementations to compare back to
# back, and more than once. Needs perf (Debian: linux-perf); Java frames are named through the JVM's perf map.
# Env: PROFILE_SECONDS (the sampled window, default 6), PROFILE_HZ (sampling frequency, default 999).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

usage() { echo "usage: $0 c-blocking|c-io_uring|c-io_uring-mshot|netstack-epoll|netstack-io_uring SIZE" >&2; exit 2; }
[[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || usage
impl=$1 size=$2
[[ $(id -u) == 0 ]] || { echo "profile-threads.sh: needs root (network namespaces, perf -a); try: sudo $0 $*" >&2; exit 1; }
command -v perf >/dev/null || { echo "profile-threads.sh: perf not found; install it (Debian: apt-get install linux-perf)" >&2; exit 1; }
seconds=${PROFILE_SECONDS:-6} hz=${PROFILE_HZ:-999}

work=$(mktemp -d)
maps_before=$(ls /tmp/perf-*.map 2>/dev/null || true)
# The JVM's perf map is only needed until perf script has read it.
cleanup() {
  rm -rf "$work"
  comm -13 <(echo "$maps_before") <(ls /tmp/perf-*.map 2>/dev/null || true) | xargs -r rm -f
}
trap cleanup EXIT

eval "$(./mvnw -q -B -pl benchmarks -am package exec:exec -DskipTests -Dbench.main=io.netstack.benchmarks.JavaSetup)"
java=$JAVA_HOME_25/bin/java

# Starts the run in the background, waits out its warm-up, then samples.
case $impl in
  c-blocking|c-io_uring|c-io_uring-mshot)
    benchmarks/native/build.sh >/dev/null
    # No waiting for a quiet machine (run-c.sh's default): the sampling starts on a timer.
    BENCH_WAIT_QUIET=0 benchmarks/native/run-c.sh "$impl" tap "$size" $(( seconds + 6 )) 1 > "$work/result" &
    warm=5 ;;
  netstack-epoll|netstack-io_uring)
    # One warm-up iteration of 8 s (as run.sh's 2 x 4 s), then one window that outlasts the sampling. The JVM writes
    # its perf map (/tmp/perf-PID.map) at exit, for perf script to name the compiled Java methods; prepended, so the
    # flags of the benchmark's @Fork (its jvmArgsAppend) stay as they are.
    timeout --kill-after=10 $(( seconds + 90 )) unshare -n -- bash -c 'ip link set lo up && exec "$@"' _ \
      "$java" -cp "$BENCH_CLASSPATH" org.openjdk.jmh.Main TapThroughputBenchmark \
        -p transport="${impl#netstack-}" -p mode=tap -p size="$size" -f 1 -wi 1 -w 8s -i 1 -r $(( seconds + 8 ))s \
        -jvmArgsPrepend "-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" \
        2>&1 | grep -a -o 'RESULT .*' > "$work/result" &
    warm=14 ;;
  *) usage ;;
esac
sleep "$warm"
perf record -q -a -g -F "$hz" -o "$work/perf.data" -- sleep "$seconds" >/dev/null 2>&1
wait
grep -q '^RESULT ' "$work/result" || { echo "profile-threads.sh: the run gave no RESULT line:" >&2; cat "$work/result" >&2; exit 1; }
fps=$(grep -m1 -o 'fps=[0-9.]*' "$work/result" | cut -d= -f2)
echo "$impl tap $size: $fps frames/s in the run's window; the profile covers $seconds s of it"
perf script -i "$work/perf.data" -F comm,tid,ip,sym 2>/dev/null |
  "$java" -cp "$BENCH_CLASSPATH" io.netstack.benchmarks.report.ThreadProfile \
    "$(awk -v f="$fps" -v s="$seconds" 'BEGIN { printf "%.0f", f * s }')" "$hz"
