#!/usr/bin/env bash
# Runs every benchmark in one go and prints ONE table: implementation x frame size -> frames/s (median, min, max),
# Gbit/s, loss, CPU per frame, ratio to c-blocking measured in the same run.
#
#   sudo benchmarks/run.sh            full run: 3 rounds, 4 s windows (about 16 minutes)
#   sudo benchmarks/run.sh --quick    smoke run: 1 round, short windows (under 3 minutes)
#
# 1. Builds, outside any namespace: the Java benchmarks (Maven, which also tells us the JDK 25 and class path it
#    selected), the drasyl benchmark (its own Maven build, Netty 4.1), the C references (native/build.sh, gcc).
# 2. Runs the cases (TAP 64/1500/9000/65000 bytes, TUN 1500) in rounds; in each round and case the implementations
#    take turns (c-blocking, c-io_uring, c-io_uring-mshot where read buffers fit 4096 bytes, netstack-epoll,
#    netstack-io_uring, drasyl-tun on TUN), so machine noise hits them alike. Each run gets a network namespace of
#    its own (`unshare -n`): the C runs through native/run-c.sh; the JMH JVM under unshare, its fork running
#    topology.sh up/down itself; drasyl with topology.sh around it.
#    Nothing touches the host namespace; the script checks its link list before and after.
#    Before each run, native/build/xcpu-probe measures the cache-line round trip between the two CPUs (xcpu_ns on
#    the run's RESULT lines): on a VM the host moves the vCPUs, and every frame crosses between them.
# 3. Report (benchmarks module) turns all RESULT lines into the table (stdout and latest-table.md), a CSV and a PNG
#    chart under benchmarks/target/results/; the raw RESULT lines and the JMH JSON land there too. It ends with the
#    -prof gc figures of the decode, read-path and host benchmarks. A full run of every case and implementation (no
#    --quick, no BENCH_CASES or BENCH_IMPLS) also copies the table and the chart to benchmarks/results/, the two
#    files the repository keeps (docs/benchmarks.md shows them).
#
# Env: BENCH_ROUNDS, BENCH_SECONDS (window), BENCH_CASES ("tap:64 tap:1500 ..."), BENCH_IMPLS (subset of the six),
#      BENCH_EXTRA_JVM_FLAGS (added to the netstack JVMs, e.g. -Dio.netty.allocator.type=pooled),
#      BENCH_WAIT_QUIET (s to wait for an idle machine before each C run; run-c.sh's knob).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

[[ $(id -u) == 0 ]] || { echo "run.sh: needs root (network namespaces, /dev/net/tun); try: sudo $0 $*" >&2; exit 1; }

quick=0
[[ ${1:-} == --quick ]] && quick=1
if (( quick )); then
  rounds=${BENCH_ROUNDS:-1} seconds=${BENCH_SECONDS:-2} warmup=1 warmup_iterations=1 iterations=1
  export BENCH_WAIT_QUIET=${BENCH_WAIT_QUIET:-3}
else
  # The JVMs warm up for 2 x 4 s: with both CPUs busy moving frames, the JIT compiler gets little CPU, so after a
  # single short warm-up the first measured window would still run partly before C2 has compiled the hot paths, and
  # spend more user time per frame than the windows after it.
  rounds=${BENCH_ROUNDS:-3} seconds=${BENCH_SECONDS:-4} warmup=4 warmup_iterations=2 iterations=2
  export BENCH_WAIT_QUIET=${BENCH_WAIT_QUIET:-5}
fi
cases=(${BENCH_CASES:-tap:64 tap:1500 tap:9000 tap:65000 tun:1500})
impls=(${BENCH_IMPLS:-c-blocking c-io_uring c-io_uring-mshot netstack-epoll netstack-io_uring drasyl-tun})

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$here/target/results        # everything a run writes
published=$here/results         # the tracked copy of a full run's table and chart
mkdir -p "$out"
raw=$out/run-$stamp.txt
jmhdir=$(mktemp -d)
trap 'rm -rf "$jmhdir"' EXIT

links() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
host_links_before=$(links)

log() { echo "run.sh: $*" >&2; }

# --- 1. build (outside any namespace) ---------------------------------------------------------------------------
log "building (Maven: benchmarks + transport-tap; drasyl; C)"
eval "$(./mvnw -q -B -pl benchmarks -am package exec:exec -DskipTests -Dbench.main=io.netstack.benchmarks.JavaSetup)"
java=$JAVA_HOME_25/bin/java
jvm_flags=(--enable-native-access=ALL-UNNAMED -Dio.netty.machineId=02:00:00:00:00:01 ${BENCH_EXTRA_JVM_FLAGS:-})
drasyl_cp=
if ./mvnw -q -B -f benchmarks/drasyl/pom.xml package >&2; then
  drasyl_cp=$root/benchmarks/drasyl/target/classes:$(cat benchmarks/drasyl/target/classpath.txt)
else
  log "drasyl benchmark did not build; drasyl-tun will be reported as SKIP"
fi
benchmarks/native/build.sh >&2

# --- 2. runs --------------------------------------------------------------------------------------------------------
run_limit=$(( (warmup_iterations * warmup + iterations * seconds) + 60 ))

run_c() { # IMPL MODE SIZE
  benchmarks/native/run-c.sh "$1" "$2" "$3" "$seconds" 1 || echo "FAIL impl=$1 mode=$2 size=$3 reason=run-c.sh-exit-$?"
}

run_netstack() { # TRANSPORT MODE SIZE
  local json=$jmhdir/netstack-$1-$2-$3-$round.json
  # The JVM lives in a namespace of its own; loopback up for JMH's host<->fork link. The fork runs topology.sh.
  timeout --kill-after=10 "$run_limit" unshare -n -- bash -c 'ip link set lo up && exec "$@"' _ \
    "$java" "${jvm_flags[@]}" -cp "$BENCH_CLASSPATH" org.openjdk.jmh.Main TapThroughputBenchmark \
      -p transport="$1" -p mode="$2" -p size="$3" -f 1 -wi "$warmup_iterations" -w "${warmup}s" \
      -i "$iterations" -r "${seconds}s" -rf json -rff "$json" 2>&1 | grep -o 'RESULT .*' ||
    echo "FAIL impl=netstack-$1 mode=$2 size=$3 reason=jmh-failed"
}

run_drasyl() { # MODE SIZE
  if [[ $1 != tun ]]; then return; fi   # drasyl's netty-tun has no TAP mode
  if [[ -z $drasyl_cp ]]; then echo "SKIP impl=drasyl-tun mode=$1 size=$2 reason=not-built"; return; fi
  timeout --kill-after=10 "$run_limit" unshare -n -- bash -c '
      ip link set lo up
      trap "benchmarks/topology.sh down tun || true" EXIT
      benchmarks/topology.sh up tun "$1" >&2
      shift
      "$@"' _ "$(( $2 < 1500 ? 1500 : $2 ))" \
    "$java" "${jvm_flags[@]}" -Dio.netty.leakDetection.level=disabled -cp "$drasyl_cp" \
      io.netstack.benchmarks.DrasylTunBenchmark "$2" "$(( warmup_iterations * warmup ))" "$seconds" "$iterations" 2>/dev/null |
    grep -o 'RESULT .*' || echo "FAIL impl=drasyl-tun mode=$1 size=$2 reason=run-failed"
}

: > "$raw"
for ((round = 1; round <= rounds; round++)); do
  for c in "${cases[@]}"; do
    mode=${c%%:*} size=${c#*:}
    for impl in "${impls[@]}"; do
      log "round $round/$rounds: $impl $mode $size"
      # Where the host has put the two vCPUs just now, as the cache-line round trip between them (see
      # native/xcpu_probe.c). It goes on each RESULT line of the run.
      xcpu=$(benchmarks/native/build/xcpu-probe 2>/dev/null || echo xcpu_ns=-1)
      case $impl in
        c-*) run_c "$impl" "$mode" "$size" ;;
        netstack-*) run_netstack "${impl#netstack-}" "$mode" "$size" ;;
        drasyl-tun) run_drasyl "$mode" "$size" ;;
        *) log "unknown implementation $impl"; exit 2 ;;
      esac | sed "/^RESULT /s/\$/ $xcpu/" | tee -a "$raw" >&2
    done
  done
done

# The protocol views' decode: bytes allocated per frame with -prof gc (no devices, no namespace needed).
log "decode benchmark (-prof gc)"
"$java" "${jvm_flags[@]}" -cp "$BENCH_CLASSPATH" org.openjdk.jmh.Main DecodeBenchmark -prof gc \
  $( (( quick )) && echo "-wi 1 -w 1s -i 1 -r 1s" ) -rf json -rff "$jmhdir/decode.json" > "$jmhdir/decode.txt" 2>&1 || true
decode=$(grep -E '^DecodeBenchmark\.decode( |:gc\.alloc\.rate\.norm)' "$jmhdir/decode.txt" || echo "decode benchmark failed, see output")

# The channel's read path alone (ReadPathBenchmark): bytes allocated per frame with -prof gc, in a namespace of its
# own like the throughput runs.
log "read path benchmark (-prof gc)"
timeout --kill-after=10 600 unshare -n -- bash -c 'ip link set lo up && exec "$@"' _ \
  "$java" "${jvm_flags[@]}" -cp "$BENCH_CLASSPATH" org.openjdk.jmh.Main ReadPathBenchmark -prof gc \
  $( (( quick )) && echo "-p size=1500 -wi 1 -w 1s -i 1 -r 2s" ) -rf json -rff "$jmhdir/readpath.json" \
  > "$jmhdir/readpath.txt" 2>&1 || true
readpath=$(grep -E '^ReadPathBenchmark\.readFrame( |:gc\.alloc\.rate\.norm)' "$jmhdir/readpath.txt" ||
  echo "read path benchmark failed, see output")

# The userspace host's per-frame paths (HostBenchmark, on an EmbeddedChannel): the host's own CPU time and bytes
# allocated per frame with -prof gc, without a device, so no namespace is needed.
log "host benchmark (-prof gc)"
"$java" "${jvm_flags[@]}" -cp "$BENCH_CLASSPATH" org.openjdk.jmh.Main HostBenchmark -prof gc \
  $( (( quick )) && echo "-wi 1 -w 1s -i 1 -r 1s" ) -rf json -rff "$jmhdir/host.json" \
  > "$jmhdir/host.txt" 2>&1 || true
host=$(grep -E '^HostBenchmark\.readFrame( |:gc\.alloc\.rate\.norm)' "$jmhdir/host.txt" ||
  echo "host benchmark failed, see output")

# --- 3. report ------------------------------------------------------------------------------------------------------
host_links_after=$(links)
if [[ $host_links_before != "$host_links_after" ]]; then
  log "note: the host's link list changed during the run (another process?): $(diff <(echo "$host_links_before") <(echo "$host_links_after") | grep '^[<>]' | tr '\n' ' ')"
  if grep -qxE 'tap[ab]|tun[ab]' <<<"$host_links_after"; then log "ERROR: a benchmark device is in the host namespace"; exit 1; fi
fi

# Only the last run's raw JMH JSON is kept (one file, merged), beside the RESULT lines.
{
  echo "["; first=1
  for f in "$jmhdir"/netstack-*.json "$jmhdir"/decode.json "$jmhdir"/readpath.json "$jmhdir"/host.json; do
    [[ -s $f ]] || continue
    # Strip the file's own outer [ and ] (unindented, the only such lines; JMH ends the file with blank lines).
    body=$(sed -e '/^\[$/d' -e '/^\]$/d' -e '/^[[:space:]]*$/d' "$f")
    [[ -n $body ]] || continue
    (( first )) || echo ","
    echo "$body"; first=0
  done
  echo "]"
} > "$out/latest-jmh.json"
cp "$raw" "$out/latest-results.txt"
rm -f "$raw"

kernel=$(uname -r) cores=$(nproc) jdk=$("$java" -version 2>&1 | head -1)
title="frames/s through tapa -> tc mirred -> tapb ($cores vCPUs, kernel $kernel, $(date -u +%Y-%m-%d))"
echo
{
  echo "Benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $cores vCPUs, kernel $kernel, $jdk, $( (( quick )) && echo quick || echo full) run:" \
       "$rounds round(s), $seconds s windows; medians over windows"
  "$java" -cp "$BENCH_CLASSPATH" io.netstack.benchmarks.report.Report "$out/latest-results.txt" \
    "$out/latest.csv" "$out/latest.png" "$title"
} | tee "$out/latest-table.md"
echo
echo "Protocol views, decode of an Ethernet/IPv4/UDP frame (ns/op, B/op allocated):"
echo "$decode"
echo
echo "The channel's read path, one frame per operation (ns/op of a burst through the kernel, B/op allocated):"
echo "$readpath"
echo
echo "The userspace host on an EmbeddedChannel, one frame in and its answer out (ns/op, B/op allocated):"
echo "$host"
echo
echo "Written: $out/latest-results.txt (RESULT lines), latest-table.md, latest.csv, latest.png, latest-jmh.json"
if (( ! quick )) && [[ -z ${BENCH_CASES:-} && -z ${BENCH_IMPLS:-} ]]; then
  mkdir -p "$published"
  cp "$out/latest-table.md" "$out/latest.png" "$published/"
  echo "Copied latest-table.md and latest.png to $published (tracked; docs/benchmarks.md shows them)"
fi
