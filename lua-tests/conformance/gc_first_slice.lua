-- A program that starts making garbage at once is collected from its first slice: the
-- runtime starts with a short slice and lets the allocation rate lengthen it
-- (`Runtime::size_next_slice`). With a first slice of the full 20,000 fuel this loop made
-- about 9,000 objects (560 KB) before the first collection; closures.lua and methods.lua
-- peaked at 1.55x lua5.4's memory for it.
local base = collectgarbage("count")
local peak = base

local function make_counter(start)
  local n = start
  return function(by)
    n = n + by
    return n
  end
end

local sum = 0
for i = 1, 20000 do
  local counter = make_counter(i)
  sum = sum + counter(1)
  if i % 100 == 0 then
    local kb = collectgarbage("count")
    if kb > peak then peak = kb end
  end
end

assert(sum == 20000 * 20001 // 2 + 20000)
assert(peak - base < 320, string.format("the heap grew by %.0f KB", peak - base))

print("gc first slice OK")
