-- A loop that makes a small table each iteration is collected while it runs: the runtime
-- reaches a collection point after a few thousand new objects, not after the 20,000 loop
-- iterations of a full slice (`Runtime::size_next_slice`), so the heap stays within a few
-- hundred KB of where it started (it grew by 1.3 MB when slices were always 20,000).

collectgarbage()
collectgarbage()
local base = collectgarbage("count")
local peak = base
for i = 1, 200000 do
  local t = {i}
  if i % 1000 == 0 then
    local kb = collectgarbage("count")
    if kb > peak then peak = kb end
  end
end

assert(peak - base < 512, string.format("the heap grew by %.0f KB", peak - base))

print("gc collects inside loops OK")
