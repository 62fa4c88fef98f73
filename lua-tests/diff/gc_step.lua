-- collectgarbage("step"): bounded work in incremental mode, true only when a step
-- finishes a cycle; false in generational mode; the pause sets how far the heap grows.
collectgarbage("incremental")
collectgarbage("stop")

-- steps until a cycle completes, with some garbage around (as the official gc.lua)
local function dosteps(kb)
  collectgarbage()
  local a = {}
  for i = 1, 100 do a[i] = {{}}; local b = {} end
  local x = collectgarbage("count")
  local n = 0
  repeat n = n + 1 until collectgarbage("step", kb)
  assert(collectgarbage("count") < x)
  return n
end

-- a large heap of live and dead objects takes several small steps
local keep = {}
for i = 1, 20000 do keep[i] = {i} end
for i = 1, 20000 do local _ = {i} end
print("small steps take more than one", dosteps(2) > 1)
print("smaller steps take longer", dosteps(10) < dosteps(2))
print("one big step is a whole cycle", dosteps(20000))
print("big steps", collectgarbage("step", 20000), collectgarbage("step", 20000))
local t = {collectgarbage("step", 20000), x = collectgarbage("step", 20000)}
print("results in a constructor", t[1], t.x)
keep = nil

-- the stopped collector stays stopped
print("still stopped", collectgarbage("isrunning"))
collectgarbage("restart")

-- the pause: a small pause keeps the heap smaller than a large one (with a live heap
-- large enough for the pause to matter)
local live = {}
for i = 1, 100000 do live[i] = {} end
local function peak(pause)
  collectgarbage()
  local old = collectgarbage("setpause", pause)
  local base = collectgarbage("count")
  local top = 0
  for i = 1, 400000 do
    local _ = {i, i}
    local c = collectgarbage("count") - base
    if c > top then top = c end
  end
  collectgarbage("setpause", old)
  return top
end
local low, high = peak(100), peak(400)
print("pause 100 peaks lower than 400", low < high)
live = nil

-- generational mode: a step is a young collection in lua5.4, which never ends a cycle
collectgarbage("generational")
print("generational", collectgarbage("step"), collectgarbage("step", 0), collectgarbage("step", 100000))
