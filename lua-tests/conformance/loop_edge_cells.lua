-- Loop variables captured by closures keep their values across the runtime's safe points.
-- A slice of execution can end at a loop's backward jump, where the registers above the
-- live locals are cleared before a collection; a captured loop variable is still in its
-- register there (the body's first instructions move it into a fresh cell), and so is a
-- plain loop variable declared after a captured one. Many iterations cross many slices.

local N = 300000

-- numeric for, captured control variable (no call in the body: every slice then ends at
-- the loop's jump)
local fs = {}
for i = 1, N do
  fs[i] = function() return i end
end
local missing = 0
for i = 1, N do
  if fs[i]() ~= i then missing = missing + 1 end
end
assert(missing == 0, "numeric for: " .. missing .. " iterations saw a nil loop variable")
fs = nil

-- generic for: the first variable captured, the second a plain register
local t = {a = 1, b = 2, c = 3}
local bad_k, bad_v = 0, 0
for _ = 1, N // 3 do
  for k, v in pairs(t) do
    local g = function() return k end
    if g() == nil then bad_k = bad_k + 1 end
    if v == nil then bad_v = bad_v + 1 end
  end
end
assert(bad_k == 0, "generic for: " .. bad_k .. " iterations saw a nil captured key")
assert(bad_v == 0, "generic for: " .. bad_v .. " iterations saw a nil value after a captured key")

-- generic for, both captured, copying a table (each entry must arrive)
local src = {}
for i = 1, 20 do src["k" .. i] = i end
for round = 1, N // 20 do
  local copy, n = {}, 0
  for k, v in pairs(src) do
    local get = function() return k, v end
    local k2, v2 = get()
    if k2 ~= nil and v2 ~= nil then copy[k2] = v2; n = n + 1 end
  end
  assert(n == 20, "round " .. round .. ": copied " .. n .. " of 20 entries")
end

print("loop_edge_cells OK")
