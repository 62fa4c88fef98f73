#!/usr/bin/env bash
# A/B timing of two wayfinder binaries on the benchmark programs: runs them alternately
# (so machine noise hits both alike) and prints the minimum CPU time (user + system) of
# each and the ratio new/old. System time counts: page faults of big allocations are
# spent there (user time alone hid a change that made sieve.lua 1.4x slower).
# Usage: bench/ab.sh OLD_BINARY NEW_BINARY [RUNS] [PROGRAM...]
set -euo pipefail
old=$1 new=$2 runs=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
cd "$(dirname "$0")/../lua-tests/bench"
programs=("$@")
if [ ${#programs[@]} -eq 0 ]; then programs=(*.lua); fi
cpu_time() {
  /usr/bin/time -f '%U %S' "$1" run "$2" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'
}
printf '%-16s %8s %8s %7s\n' program old new new/old
for p in "${programs[@]}"; do
  best_old=999 best_new=999
  for _ in $(seq "$runs"); do
    t=$(cpu_time "$old" "$p"); best_old=$(echo "$t $best_old" | awk '{print ($1<$2)?$1:$2}')
    t=$(cpu_time "$new" "$p"); best_new=$(echo "$t $best_new" | awk '{print ($1<$2)?$1:$2}')
  done
  printf '%-16s %8.2f %8.2f %7.3f\n' "$p" "$best_old" "$best_new" "$(echo "$best_new $best_old" | awk '{print $1/$2}')"
done
