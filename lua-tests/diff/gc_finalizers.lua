-- __gc finalizers: marking at setmetatable time, order, resurrection, weak tables,
-- collectgarbage inside a finalizer, and the finalizers that run when the program ends.

local log = {}
local function note(s) log[#log + 1] = s end
local function flush(title)
  print(title .. ": " .. table.concat(log, " "))
  log = {}
end

-- reverse order of marking
do
  local mt = {__gc = function(o) note(o.name) end}
  for i = 1, 5 do setmetatable({name = "o" .. i}, mt) end
end
collectgarbage()
flush("order")

-- a __gc field added after setmetatable does not count; one present then does, even if
-- it changes later (the current value is called)
do
  local mt = {}
  setmetatable({name = "late"}, mt)
  mt.__gc = function(o) note("late " .. o.name) end
  local mt2 = {__gc = true}
  setmetatable({name = "changed"}, mt2)
  mt2.__gc = function(o) note("now " .. o.name) end
end
collectgarbage()
flush("marking")

-- run once; resurrection keeps the object (and what it reaches) usable
local saved
do
  local inner = {value = 42}
  setmetatable({name = "phoenix", inner = inner}, {__gc = function(o)
    note("finalized " .. o.name)
    saved = o
  end})
end
collectgarbage()
note(saved and saved.inner.value or "lost")
saved = nil
collectgarbage()
note("again? " .. tostring(saved))
flush("resurrection")

-- setting the metatable again inside the finalizer marks the object again
local rounds = 0
do
  local mt = {}
  mt.__gc = function(o)
    rounds = rounds + 1
    if rounds < 3 then setmetatable(o, mt) end
  end
  setmetatable({}, mt)
end
for _ = 1, 5 do collectgarbage() end
print("re-marked rounds", rounds)

-- weak tables: a value only a finalized object reaches is gone from weak-value tables
-- when its finalizer runs, but a key stays in weak-key tables until the next cycle
do
  local t = {x = 10}
  local C = setmetatable({key = t}, {__mode = "v"})
  local C1 = setmetatable({[t] = 1}, {__mode = "k"})
  local a = {x = t}
  setmetatable(a, {__gc = function()
    note("C.key " .. tostring(C.key))
    note("C1 key " .. type(next(C1)))
  end})
  a, t = nil, nil
  collectgarbage()
  collectgarbage()
  note("after " .. tostring(next(C)) .. " " .. tostring(next(C1)))
end
flush("weak")

-- the collector is not reentrant: collectgarbage returns fail inside a finalizer
do
  setmetatable({}, {__gc = function()
    note(tostring(collectgarbage()))
    note(tostring(collectgarbage("count")))
    note(tostring(collectgarbage("step")))
    note(tostring(collectgarbage("isrunning")))
  end})
end
collectgarbage()
flush("inside")

-- an error in a finalizer does not stop the program (it becomes a warning, on stderr)
do
  setmetatable({}, {__gc = function() error("boom") end})
  setmetatable({}, {__gc = function() note("next one ran") end})
end
collectgarbage()
flush("errors")

-- finalizers run without an explicit collection, from the collector's own cycles
do
  local finish = false
  local function run()
    local u = setmetatable({}, {__gc = function() finish = true end})
    u = nil
    local n = 0
    repeat u = {}; n = n + 1 until finish or n == 5000000
  end
  run()
  print("paced finalizer ran", finish)
end

-- a copy of the object left in a temporary register (an argument of setmetatable) does
-- not keep it alive while a loop runs
local function stale_loop()
  local tries = 0
  local u
  local finish = false
  u = setmetatable({}, {__gc = function() finish = true end})
  repeat local i; u = function() return i end; tries = tries + 1
  until finish or tries == 3000000
  return finish
end
print("stale temporary collected", stale_loop())

-- collectgarbage options and their return values
print("mode", collectgarbage("incremental"), collectgarbage("generational"),
      collectgarbage("incremental"))
print("setpause", collectgarbage("setpause", 5000), collectgarbage("setpause", 201),
      collectgarbage("setpause", 200))
print("setstepmul", collectgarbage("setstepmul", 0x7ffffffe), collectgarbage("setstepmul", 100))
print("stop", collectgarbage("stop"), collectgarbage("isrunning"))
print("restart", collectgarbage("restart"), collectgarbage("isrunning"))
print("collect", collectgarbage("collect"), collectgarbage())
print("count", math.type(collectgarbage("count")))
print(pcall(collectgarbage, "bogus"))
print(pcall(warn))
print(pcall(warn, "a", {}))

-- pending at the end: finalized when the program ends, newest first
local keep = {}
for i = 1, 3 do
  keep[i] = setmetatable({}, {__gc = function() print("at exit", i) end})
end
setmetatable({}, {__gc = function() print("unreachable at exit") end})
print("end of script")
