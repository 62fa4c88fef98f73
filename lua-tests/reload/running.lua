-- Code that is running during a reload: a function already executing finishes on its old
-- code (its next call runs the new code), a coroutine suspended inside old code resumes
-- on it, and a callback held only by a coroutine is rebound. The report counts frames
-- still in old code.
local H = dofile("lib/harness.lua")

H.write("worker", [[
local M = {}
function M.steps(n)
  for i = 1, n do coroutine.yield("old " .. i) end
  return "old done"
end
function M.callback(x) return "old cb " .. x end
function M.reload_inside(name)
  local ok, r = debug.reloadModule(name)
  assert(ok, r)
  return "old tail", r.framesInOldCode
end
return M
]])
local worker = require("worker")
local co = coroutine.wrap(worker.steps)
assert(co(3) == "old 1")
local holder = coroutine.create(function(cb)
  while true do cb = coroutine.yield(cb("tick")) or cb end
end)
local _, first = coroutine.resume(holder, worker.callback)
assert(first == "old cb tick")

H.write("worker", [[
local M = {}
function M.steps(n)
  for i = 1, n do coroutine.yield("new " .. i) end
  return "new done"
end
function M.callback(x) return "new cb " .. x end
function M.reload_inside(name)
  return "new tail"
end
return M
]])
-- reload_inside reloads its own module while running: it finishes on its old code.
local tail, frames = worker.reload_inside("worker")
assert(tail == "old tail", "a running function finishes on the code it started with")
-- Counted on running threads: reload_inside itself (the suspended coroutine is not counted).
assert(frames == 1, "frames in old code: reload_inside itself, got " .. tostring(frames))
assert(worker.reload_inside("worker") == "new tail", "its next call runs the new code")
assert(co() == "old 2" and co() == "old 3" and co() == "old done", "suspended coroutine resumes on old code")
local _, second = coroutine.resume(holder)
assert(second == "new cb tick", "callback held only by a coroutine is rebound")
assert(coroutine.wrap(worker.steps)(1) == "new 1")

-- The reload happens inside a coroutine while the function that resumed it (running on
-- another thread, rebound meanwhile) waits: it too finishes on its old code, with the
-- variables the new version dropped (a, b) and the shared cell of c (edited to 30).
H.write("nested", [[
local M = {}
local a, b, c = 1, 2, 3
function M.outer()
  local frames = coroutine.wrap(function()
    return select(2, debug.reloadModule("nested")).framesInOldCode
  end)()
  return a + b + c, frames
end
return M
]])
local nested = require("nested")
H.write("nested", [[
local M = {}
local c = 30
function M.outer() return c end
return M
]])
local sum, nframes = nested.outer()
assert(sum == 33 and nframes == 1, "old frame kept its upvalue layout: " .. tostring(sum))
assert(nested.outer() == 30)

-- Old code still running after the reload creates closures: they run the new code.
H.write("spawner", [[
local M = {}
function M.spawn_loop()
  for i = 1, 2 do
    coroutine.yield(function() return "old closure " .. i end)
  end
end
return M
]])
local spawner = require("spawner")
local spawn = coroutine.wrap(spawner.spawn_loop)
local made_before = spawn()
H.write("spawner", [[
local M = {}
function M.spawn_loop()
  for i = 1, 2 do
    coroutine.yield(function() return "new closure " .. i end)
  end
end
return M
]])
H.reload("spawner")
local made_after = spawn() -- made by the old, still suspended loop
assert(made_before() == "new closure 1", made_before())
assert(made_after() == "new closure 2", made_after())

-- Closures kept only in the registry are found too (no reference chasing).
H.write("reg", "local M = {}\nfunction M.make() return function() return 'old' end end\nreturn M\n")
debug.getregistry().my_callback = require("reg").make()
H.write("reg", "local M = {}\nfunction M.make() return function() return 'new' end end\nreturn M\n")
H.reload("reg")
assert(debug.getregistry().my_callback() == "new")
debug.getregistry().my_callback = nil

H.done("running")
