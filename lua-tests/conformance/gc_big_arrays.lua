-- An array dropped for a new one of the same size is freed before the new one grows as
-- big: after a cycle, the collector waits for the heap to grow by a fifth of the big
-- tables' bytes (lua5.4's minor multiplier), not by half. Waiting for half, this loop
-- held two 4 MB arrays at its peak, where lua5.4 holds one.

local peak = 0
for _ = 1, 5 do
  local t = {}
  for i = 1, 200000 do
    t[i] = false
    if i % 1024 == 0 then
      local kb = collectgarbage("count")
      if kb > peak then peak = kb end
    end
  end
end

-- 200,000 slots grow the array part to 262,144 slots: 4 MB.
assert(peak < 6 * 1024, string.format("peak heap %.0f KB", peak))

print("gc big arrays OK")
