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
