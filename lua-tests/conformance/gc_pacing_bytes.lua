-- The collector waits for the heap to grow by its size in bytes, not in objects: a live
-- heap made of a few large tables does not make every small allocation start a cycle.
-- (Before, cycles were paced by object count, so a 32 MB array counted as one object and
-- the loop below ran a full cycle, tracing the whole array, every few hundred tables.)

local cycles = 0
local function sentinel()
  setmetatable({}, {__gc = function() cycles = cycles + 1; sentinel() end})
end

local big = {}
for i = 1, 1 << 21 do big[i] = i end  -- 2M integers: 32 MB of array part, 1 object
collectgarbage(); collectgarbage()
sentinel()
cycles = 0

-- 100,000 small tables, about 6 MB of garbage: a fifth of the live heap
local x
for i = 1, 100000 do x = {i} end

assert(cycles <= 2, "collection cycles while allocating a fifth of the live heap: " .. cycles)
assert(#big == 1 << 21 and x[1] == 100000)

print("gc pacing bytes OK")
