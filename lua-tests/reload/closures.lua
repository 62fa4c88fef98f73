-- Closures made at run time by a factory are rebound too (anonymous functions matched by
-- position), keep their own upvalues, and closures that old code creates after the
-- reload run the new code. A new upvalue starts as nil with a closureUpvalues warning.
local H = dofile("lib/harness.lua")

H.write("factory", [[
local M = {}
function M.counter(step)
  local n = 0
  return function()
    n = n + step
    return n
  end
end
function M.make_all(k)
  local out = {}
  for i = 1, k do out[i] = M.counter(i) end
  return out
end
return M
]])
local factory = require("factory")
local c1, c2 = factory.counter(1), factory.counter(100)
c1(); c1(); c2()
local handlers = { on_tick = factory.counter(5) } -- stored in another table

H.write("factory", [[
local M = {}
function M.counter(step)
  local n = 0
  return function()
    n = n + step * 2
    return n
  end
end
function M.make_all(k)
  local out = {}
  for i = 1, k do out[i] = M.counter(i) end
  return out
end
return M
]])
local r = H.reload("factory")
assert(c1() == 4, "c1 kept n = 2 and doubles its step now")
assert(c2() == 300, "c2 kept n = 100")
assert(handlers.on_tick() == 10, "a closure held only by another table")
assert(r.closures["M.counter/<anonymous#1>"] == 3, "three live closures rebound")

-- A closure whose new code needs a variable it never captured: nil, with a warning.
H.write("factory", [[
local M = {}
function M.counter(step)
  local n = 0
  local label = "count"
  return function()
    n = n + step * 2
    return label and n or -n
  end
end
function M.make_all(k)
  local out = {}
  for i = 1, k do out[i] = M.counter(i) end
  return out
end
return M
]])
r = H.reload("factory")
assert(c1() == -6, "the new upvalue 'label' is nil for an old closure")
assert(#r.warnings == 1 and r.warnings[1]:find("closureUpvalues", 1, true), r.warnings[1])
assert(factory.counter(1)() == 2, "a closure made after the reload has the new upvalue")

H.done("closures")
