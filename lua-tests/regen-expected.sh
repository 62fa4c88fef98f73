#!/bin/sh
# Regenerates lua-tests/diff/*.expected with reference Lua 5.4.
# Each case runs from inside lua-tests/diff/ as `lua5.4 <name>.lua`, exactly the way
# tests/lua_scripts.rs runs `wayfinder run <name>.lua`, so chunk names in messages match.
# Usage: lua-tests/regen-expected.sh [case.lua ...]   (default: every case)
set -eu
LUA=${LUA:-lua5.4}
cd "$(dirname "$0")/diff"
if [ "$#" -eq 0 ]; then
  set -- *.lua
fi
for script in "$@"; do
  script=$(basename "$script")
  expected="${script%.lua}.expected"
  if ! "$LUA" "$script" > "$expected" 2> /tmp/regen-expected.$$.err; then
    echo "error: $script exited non-zero under $LUA; diff cases must exit 0:" >&2
    cat /tmp/regen-expected.$$.err >&2
    rm -f /tmp/regen-expected.$$.err
    exit 1
  fi
  if [ -s /tmp/regen-expected.$$.err ]; then
    echo "error: $script wrote to stderr; diff cases must print only to stdout" >&2
    cat /tmp/regen-expected.$$.err >&2
    rm -f /tmp/regen-expected.$$.err
    exit 1
  fi
  echo "wrote diff/$expected"
done
rm -f /tmp/regen-expected.$$.err
