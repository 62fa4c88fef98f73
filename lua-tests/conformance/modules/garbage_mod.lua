-- A module whose main chunk makes garbage in a loop (used by require_gc.lua): it reports
-- how many collection cycles ran while it loaded (the `gc_cycles` global, counted by a
-- `__gc` sentinel) and how far `collectgarbage("count")` rose above where it started.
local name = ...
local cycles0 = gc_cycles
local base = collectgarbage("count")
local peak = base
for i = 1, 300000 do
  local t = {i, i + 1, name .. i}
  if i % 1000 == 0 then
    local c = collectgarbage("count")
    if c > peak then peak = c end
  end
end
return {name = name, cycles = gc_cycles - cycles0, growth = peak - base}
