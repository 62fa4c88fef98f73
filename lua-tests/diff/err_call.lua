-- "attempt to call" messages.
print(pcall(function() f() end))
print(pcall(function() local t = {} t.add(1) end))
print(pcall(function() local t = {} t:m() end))
print(pcall(function() local l = 1; l() end))
local up = "s"
print(pcall(function() up() end))
print(pcall(function() string.nothing("x") end))
print(pcall(function() ({})() end))
print(pcall(function() (nil)() end))
print(pcall(function() local t = setmetatable({}, {__index = function() return 1 end}); t.x() end))
print(pcall(function() local o = {}; o.x.y() end))

-- A value whose metatable has a string __name is named by it in call and concatenation
-- errors, as in every other type error (lua5.4's luaT_objtypename).
local t = setmetatable({}, {__name="T"})
print(pcall(function() return t .. "x" end))
print(pcall(function() return "x" .. t end))
print(pcall(function() return t() end))
print(pcall(function() local u = t; u(1) end))
print(pcall(function() return io.stdout .. "x" end))
print(pcall(function() return io.stdout() end))
print(pcall(function() return setmetatable({}, {__name=42}) .. "x" end))
print(pcall(t))
