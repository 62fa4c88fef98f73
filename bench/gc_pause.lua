-- Longest gap between frames of a loop that keeps a live heap of N small tables and
-- makes garbage each frame: the collector's pause shows as the worst frame.
local N = tonumber(arg[1]) or 200000
local mode = arg[2] or "generational"
collectgarbage(mode)
local live = {}
for i = 1, N do live[i] = {i, tostring(i)} end
local worst, total, frames = 0, 0, 2000
local clock = os.clock
for f = 1, frames do
  local t0 = clock()
  for j = 1, 500 do local g = {j, j} ; live[(f * 500 + j) % N + 1] = {f, j} end
  local dt = clock() - t0
  total = total + dt
  if dt > worst then worst = dt end
end
print(string.format("%s N=%d mem=%.1fMB worst frame %.1f ms, mean %.3f ms", mode, N,
  collectgarbage("count") / 1024, worst * 1000, total / frames * 1000))
