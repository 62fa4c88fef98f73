-- error() levels, positions and non-string error values.
local function lvl1() error("level one") end
local function lvl2() error("level two", 2) end
local function call2() lvl2() end
print(pcall(lvl1))
print(pcall(call2))
print(pcall(error, "no position"))
print(pcall(function() error("zero", 0) end))
print(pcall(function() error() end))
print(pcall(function() error(nil) end))
print(pcall(function() error(42) end))
print(pcall(function() error(4.5) end))
print(pcall(function() error(false) end))
print(select("#", pcall(error)))
local ok, e = pcall(function() error({code = 1}) end)
print(ok, type(e), e.code)
print(pcall(function() assert(false) end))
print(pcall(function() assert(nil, "with message") end))
print(pcall(function() assert(false, 12) end))
print(pcall(function() assert(1 == 1, "unused") end))
print(xpcall(function() error("x") end, function(m) return "handler got: " .. m end))
print(xpcall(function() return "fine", 2 end, print))
print(pcall(function()
  local t = nil
  return t.field -- line 25
end))
