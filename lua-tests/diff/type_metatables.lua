-- Metatables shared by all values of a basic type, set with debug.setmetatable.

-- numbers: integers and floats share one metatable
local nmt = {
  __index = function(n, k) return k .. ":" .. tostring(n) end,
  __call = function(n, a) return n * a end,
  __len = function(n) return n + 1000 end,
  __concat = function(a, b) return "cat" end,
}
print(debug.setmetatable(10, nmt))
print(getmetatable(1) == nmt, getmetatable(2.5) == nmt, getmetatable(math.pi) == nmt)
print((7).foo, (1.5).bar, (3)(4), #5, 1 .. {})
print(pcall(function() return 1 + {} end))
debug.setmetatable(0, {__index = math})
print((-3):abs(), (2.7):floor(), (16):sqrt())
debug.setmetatable(1, nil)
print(getmetatable(1), pcall(function() return (1).x end))

-- booleans
debug.setmetatable(true, {
  __add = function(a, b) return "add" end,
  __lt = function(a, b) return true end,
  __unm = function(a) return not a end,
  __index = function(b, k) return k end,
  __tostring = function(b) return b and "YES" or "NO" end,
})
print(true + 1, 1 + false, false < true, -true, (false).key, tostring(true), tostring(false))
print(getmetatable(false) == getmetatable(true))
debug.setmetatable(false, nil)
print(pcall(function() return true + 1 end))

-- nil
debug.setmetatable(nil, {__index = function(_, k) return "nil." .. k end, __call = function() return "called nil" end})
local n = nil
print(n.x, n(), getmetatable(nil) ~= nil)
debug.setmetatable(nil, nil)
print(pcall(function() return n.x end))

-- functions (Lua and native share one)
local fmt = {__index = {name = "fn"}, __concat = function(a, b) return "joined" end, __unm = function(f) return f() end}
debug.setmetatable(print, fmt)
print(getmetatable(print) == fmt, getmetatable(function() end) == fmt)
print(print.name, (function() end).name, print .. "x", -function() return "neg" end)
debug.setmetatable(print, nil)
print(getmetatable(print))

-- threads
local co = coroutine.create(function() end)
debug.setmetatable(co, {__index = {kind = "thread"}, __len = function() return 99 end})
print(co.kind, #coroutine.running(), getmetatable(coroutine.running()) == getmetatable(co))
debug.setmetatable(co, nil)

-- __metatable protects getmetatable for these types too
debug.setmetatable(1, {__metatable = "locked"})
print(getmetatable(1), pcall(setmetatable, 1, {}))
debug.setmetatable(1, nil)

print(pcall(debug.setmetatable, 1, 2))
