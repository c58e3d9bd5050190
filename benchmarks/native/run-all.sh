#!/usr/bin/env bash
# Runs the C reference matrix, each case in its own network namespace via
# run-c.sh, and prints one RESULT (or SKIP) line per run.
# Usage: run-all.sh [SECONDS [REPEATS]]   (defaults: 5 s, 1 repeat)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-5} repeats=${2:-1}
[[ $repeats =~ ^[0-9]+$ ]] && (( repeats >= 1 && repeats <= 20 )) || { echo "REPEATS must be 1..20" >&2; exit 2; }

"$here/build.sh" >&2
cases=("tap 64" "tap 1500" "tap 9000" "tun 1500")
for ((r = 1; r <= repeats; r++)); do
  for c in "${cases[@]}"; do
    for impl in c-blocking c-io_uring; do
      # shellcheck disable=SC2086  # $c is "MODE SIZE"
      "$here/run-c.sh" "$impl" $c "$seconds"
    done
  done
done
