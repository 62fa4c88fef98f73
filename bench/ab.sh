#!/usr/bin/env bash
# A/B timing of two wayfinder binaries on the benchmark programs: runs them alternately
# (so machine noise hits both alike) and prints the minimum user time of each and the
# ratio new/old. Usage: bench/ab.sh OLD_BINARY NEW_BINARY [RUNS] [PROGRAM...]
set -euo pipefail
old=$1 new=$2 runs=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
cd "$(dirname "$0")/../lua-tests/bench"
programs=("$@")
if [ ${#programs[@]} -eq 0 ]; then programs=(*.lua); fi
user_time() { /usr/bin/time -f %U "$1" run "$2" 2>&1 >/dev/null | tail -1; }
printf '%-16s %8s %8s %7s\n' program old new new/old
for p in "${programs[@]}"; do
  best_old=999 best_new=999
  for _ in $(seq "$runs"); do
    t=$(user_time "$old" "$p"); best_old=$(echo "$t $best_old" | awk '{print ($1<$2)?$1:$2}')
    t=$(user_time "$new" "$p"); best_new=$(echo "$t $best_new" | awk '{print ($1<$2)?$1:$2}')
  done
  printf '%-16s %8.2f %8.2f %7.3f\n' "$p" "$best_old" "$best_new" "$(echo "$best_new $best_old" | awk '{print $1/$2}')"
done
