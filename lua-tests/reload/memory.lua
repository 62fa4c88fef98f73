-- 10,000 reloads keep memory flat: old prototypes, baselines and journals are collected.
local H = dofile("lib/harness.lua")

local function version(n)
  return ([[
local M = { data = { n = %d } }
local hits = 0
function M.f(x) hits = hits + 1; return x + %d end
function M.make() return function() return hits end end
return M
]]):format(n, n)
end
H.write("churn", version(0))
local churn = require("churn")
local f, g = churn.f, churn.make()

-- A full collection runs when the executor next reaches a safe point: pass one first.
local function settle()
  for _ = 1, 4 do
    collectgarbage()
    for _ = 1, 100000 do end
  end
  return collectgarbage("count")
end

for i = 1, 1000 do
  H.write("churn", version(i % 2))
  H.reload("churn")
end
local after_1000 = settle()
for i = 1, 9000 do
  H.write("churn", version(i % 2))
  H.reload("churn")
end
local after_10000 = settle()
assert(f(1) == 1 or f(1) == 2, "still rebound")
assert(g() > 0)
-- "count" is an estimate (objects x 64 bytes) that also moves with when weak lists drop
-- their dead entries: about +-130 KB here between runs. A leak of one object per reload
-- would add about 560 KB over the last 9,000 reloads.
assert(after_10000 < after_1000 + 320,
  ("memory grew: %.0f KB after 1,000 reloads, %.0f KB after 10,000"):format(after_1000, after_10000))
print(("memory after 1,000 reloads: %.0f KB; after 10,000: %.0f KB"):format(after_1000, after_10000))
H.done("memory")
