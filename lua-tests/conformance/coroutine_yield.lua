-- Yielding across pcall, metamethods, iterators and nested Lua calls.
local function run(f, ...)
  -- drive a coroutine to completion, feeding each yielded value back doubled
  local co = coroutine.create(f)
  local trace = {}
  local res = table.pack(coroutine.resume(co, ...))
  while coroutine.status(co) ~= "dead" do
    assert(res[1], "coroutine failed: " .. tostring(res[2]))
    trace[#trace + 1] = res[2]
    res = table.pack(coroutine.resume(co, (res[2] or 0) * 2))
  end
  return trace, table.unpack(res, 1, res.n)
end

-- yield from nested Lua calls
local function deep(n) if n == 0 then return coroutine.yield(1) end return deep(n - 1) + 1 end
local trace, ok, v = run(function() return deep(50) end)
assert(ok and v == 52 and #trace == 1, "yield from 50 nested frames: " .. tostring(v))

-- yield across pcall
trace, ok, v = run(function()
  local pok, pv = pcall(function()
    local got = coroutine.yield(10)
    return got + 1
  end)
  assert(pok, "pcall succeeded")
  return pv
end)
assert(ok and v == 21 and trace[1] == 10, "yield inside pcall")

-- error after yield inside pcall is caught by that pcall
trace, ok, v = run(function()
  local pok, perr = pcall(function()
    coroutine.yield(1)
    error("after yield", 0)
  end)
  return pok, perr
end)
assert(ok and v == false and select(4, run(function()
  return pcall(function() coroutine.yield(1); error("x", 0) end)
end)) == "x", "error after yield caught")

-- yield across xpcall, and the handler runs in the coroutine
trace, ok, v = run(function()
  return select(2, xpcall(function()
    coroutine.yield(3)
    error("boom", 0)
  end, function(m) return "handled " .. m end))
end)
assert(ok and v == "handled boom" and trace[1] == 3, "yield inside xpcall: " .. tostring(v))

-- yield inside __index function
local lazy = setmetatable({}, {__index = function(_, k) return coroutine.yield(k) end})
trace, ok, v = run(function() return lazy[21] end)
assert(ok and v == 42 and trace[1] == 21, "yield inside __index")

-- yield inside __newindex
local sink = {}
local proxy = setmetatable({}, {__newindex = function(_, k, val) sink[k] = coroutine.yield(val) end})
trace, ok = run(function() proxy.a = 4 end)
assert(ok and sink.a == 8 and trace[1] == 4, "yield inside __newindex")

-- yield inside arithmetic metamethods
local A = setmetatable({}, {__add = function(_, b) return coroutine.yield(b) end})
trace, ok, v = run(function() return A + 5 end)
assert(ok and v == 10, "yield inside __add")

-- yield inside comparison metamethods: result converted to boolean after resume
local C = {__lt = function(a, b) return coroutine.yield(a.v) end, __le = function(a, b) return coroutine.yield(b.v) end}
local c1, c2 = setmetatable({v = 1}, C), setmetatable({v = 2}, C)
trace, ok, v = run(function() if c1 < c2 then return "lt" else return "ge" end end)
assert(ok and v == "lt" and trace[1] == 1, "yield inside __lt")
trace, ok, v = run(function() return c1 <= c2 end)
assert(ok and v == true and trace[1] == 2, "yield inside __le")
local falsy = setmetatable({}, {__lt = function() coroutine.yield(0); return false end})
trace, ok, v = run(function() return falsy < falsy end)
assert(ok and v == false, "__lt false after yield")

-- yield inside __eq
local E = {__eq = function() return coroutine.yield(7) end}
trace, ok, v = run(function() return setmetatable({}, E) == setmetatable({}, E) end)
assert(ok and v == true and trace[1] == 7, "yield inside __eq")

-- yield inside __concat and __len
local K = setmetatable({}, {__concat = function(a, b) return coroutine.yield(3) end, __len = function() return coroutine.yield(4) end})
trace, ok, v = run(function() return "x" .. K .. "y" end)
assert(ok and v == "x6", "yield inside __concat: " .. tostring(v))
trace, ok, v = run(function() return #K end)
assert(ok and v == 8, "yield inside __len")

-- yield inside __call
local callme = setmetatable({}, {__call = function(_, a) return coroutine.yield(a) + 1 end})
trace, ok, v = run(function() return callme(5) end)
assert(ok and v == 11, "yield inside __call")

-- yield inside a generic-for iterator function
trace, ok, v = run(function()
  local total = 0
  for x in function(_, c) c = (c or 0) + 1; if c <= 3 then return c end end do
    total = total + coroutine.yield(x)
  end
  return total
end)
assert(ok and v == 12 and #trace == 3, "yield in for body")

-- yield inside table.sort comparator is not allowed (C function without continuation)
local co = coroutine.create(function()
  table.sort({3, 2, 1}, function(a, b) coroutine.yield(); return a < b end)
end)
local sok, serr = coroutine.resume(co)
assert(not sok and string.find(serr, "attempt to yield across a C-call boundary", 1, true), "yield in sort comparator: " .. tostring(serr))

-- yield inside string.gsub callback is also a C boundary
co = coroutine.create(function() return string.gsub("a", "a", function() coroutine.yield() end) end)
sok, serr = coroutine.resume(co)
assert(not sok and string.find(serr, "attempt to yield across a C-call boundary", 1, true), "yield in gsub callback")

-- nested coroutines: inner yields go to inner resumer
local outer = coroutine.wrap(function()
  local inner = coroutine.wrap(function() coroutine.yield("inner1"); return "inner2" end)
  coroutine.yield(inner())
  coroutine.yield(inner())
  return "outer end"
end)
assert(outer() == "inner1" and outer() == "inner2" and outer() == "outer end", "nested wrap")

-- pcall inside coroutine catching an error thrown by a resumed sub-coroutine via wrap
local res = coroutine.wrap(function()
  local w = coroutine.wrap(function() coroutine.yield(1); error("sub", 0) end)
  w()
  local pok, perr = pcall(w)
  return pok, perr
end)
local r1, r2 = res()
assert(r1 == false and r2 == "sub", "error from nested wrap caught")

-- many yields in a loop across pcall
trace, ok, v = run(function()
  local s = 0
  for i = 1, 100 do
    local _, got = pcall(coroutine.yield, i)
    s = s + got
  end
  return s
end)
assert(ok and v == 10100 and #trace == 100, "100 yields through pcall(coroutine.yield)")
print("coroutine_yield OK")
