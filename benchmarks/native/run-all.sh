#!/usr/bin/env bash
# Runs the C reference matrix, each case in its own network namespace via
# run-c.sh, and prints one RESULT (or SKIP) line per run.
# Usage: run-all.sh [SECONDS [REPEATS]]   (defaults: 5 s, 1 repeat)
# Env: BENCH_MAX_OTHER_CPUS (default 0.10) and BENCH_RETRIES (default 3): a
# run during which other processes used more CPU than that is repeated, up
# to BENCH_RETRIES times; the last attempt's line is printed either way.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-5} repeats=${2:-1}
max_other=${BENCH_MAX_OTHER_CPUS:-0.10} retries=${BENCH_RETRIES:-3}
[[ $repeats =~ ^[0-9]+$ ]] && (( repeats >= 1 && repeats <= 20 )) || { echo "REPEATS must be 1..20" >&2; exit 2; }
[[ $retries =~ ^[0-9]+$ ]] && (( retries <= 10 )) || { echo "BENCH_RETRIES must be 0..10" >&2; exit 2; }

# Was the run disturbed? (no other_cpus field, e.g. SKIP: no)
disturbed() {
  awk -v max="$max_other" '{ for (i = 1; i <= NF; i++) if ($i ~ /^other_cpus=/) {
      split($i, kv, "="); exit !(kv[2] + 0 > max + 0) } exit 1 }' <<<"$1"
}

"$here/build.sh" >&2
cases=("tap 64" "tap 1500" "tap 9000" "tun 1500")
for ((r = 1; r <= repeats; r++)); do
  for c in "${cases[@]}"; do
    for impl in c-blocking c-io_uring c-io_uring-mshot; do
      for ((attempt = 0; ; attempt++)); do
        # shellcheck disable=SC2086  # $c is "MODE SIZE"
        line=$("$here/run-c.sh" "$impl" $c "$seconds") ||
          line="FAIL impl=$impl mode=${c% *} size=${c#* } reason=run-c.sh-exit-$?"
        if (( attempt < retries )) && disturbed "$line"; then
          echo "run-all.sh: $impl $c disturbed by other processes, repeating: $line" >&2
          continue
        fi
        break
      done
      echo "$line"
    done
  done
done
