-- After a big structure is dropped, the collector lets the heap come back to most of the
-- size it had at its peak before the next cycle (`Runtime::cycle_ended`): that memory is
-- in the process already, and every cycle traces all that is live. Before, a program that
-- built its biggest structure first then ran a cycle each time the heap grew by half of
-- what was left (lua-tests/bench/binary_trees.lua: 166 cycles, each tracing its
-- long-lived tree; this script: 75 cycles after the peak). The heap stays below its peak.

local cycles = 0
local function sentinel()
  setmetatable({}, {__gc = function() cycles = cycles + 1; sentinel() end})
end

local max_kb = 0
local function sample()
  local kb = collectgarbage("count")
  if kb > max_kb then max_kb = kb end
end

local function build(n)
  local t = {}
  for i = 1, n do
    t[i] = {i}
    if i % 1000 == 0 then sample() end
  end
  return t
end

-- The peak: 200,000 small tables alive at once (about 20 MB by the collector's count).
local big = build(200000)
local peak_kb = max_kb
assert(peak_kb > 8 * 1024, string.format("the peak was only %.0f KB", peak_kb))
big = nil
collectgarbage()

-- Then a small live heap and 300,000 short-lived tables: as much garbage as the peak held.
local keep = build(5000)
sentinel()
cycles = 0
max_kb = 0
local x
for i = 1, 300000 do
  x = {i}
  if i % 1000 == 0 then sample() end
end

assert(cycles <= 6, "collection cycles after the peak: " .. cycles)
assert(max_kb <= peak_kb, string.format("the heap reached %.0f KB after a peak of %.0f KB",
  max_kb, peak_kb))
assert(#keep == 5000 and x[1] == 300000)

print("gc reuses peak OK")
