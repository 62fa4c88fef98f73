#!/usr/bin/env bash
# Runs the official Lua 5.4.4 test suite files (lua/lua, testes/ at tag v5.4.4, kept outside
# this repository) under wayfinder in portable mode (_port=true _soft=true), one process
# per file, and prints each result and the count.
#
# Usage: lua-tests/official.sh TESTES_DIR [WAYFINDER_BINARY] [FILE.lua ...]
#   git clone https://github.com/lua/lua && git -C lua checkout v5.4.4
#   lua-tests/official.sh lua/testes target/release/wayfinder
set -uo pipefail
dir=${1:?usage: official.sh TESTES_DIR [WAYFINDER_BINARY] [FILE.lua ...]}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$here/target/release/wayfinder}
shift $(( $# < 2 ? $# : 2 ))
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(attrib bitwise bwcoercion calls closure code constructs coroutine cstack db errors
         events files gc goto literals locals math nextvar pm sort strings tpack utf8 vararg
         gengc verybig)
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$dir" || exit 2
wrap=$(mktemp --suffix=.lua)
trap 'rm -f "$wrap"' EXIT
pass=0 fail=0 failed=()
for f in "${files[@]}"; do
  f=${f%.lua}
  printf '_port=true _soft=true\nreturn dofile("%s.lua")\n' "$f" > "$wrap"
  if out=$(timeout 120 "$bin" run "$wrap" 2>&1 </dev/null); then
    printf 'ok    %s\n' "$f"; pass=$((pass + 1))
  else
    printf 'FAIL  %s: %s\n' "$f" "$(printf '%s' "$out" | grep -m1 -E 'wayfinder:|error|assert' | cut -c1-160)"
    fail=$((fail + 1)); failed+=("$f")
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
