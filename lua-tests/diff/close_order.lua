-- Order and arguments of __close calls.
local function closer(name)
  return setmetatable({}, {__close = function(_, err) print("close", name, err) end})
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  print("body")
end
print(pcall(function()
  local x <close> = closer("x")
  local y <close> = closer("y")
  error("boom", 0)
end))
local function f()
  local r <close> = closer("r")
  return "returned"
end
print(f())
for i = 1, 2 do
  local l <close> = closer("loop" .. i)
end
print(pcall(function() local bad <close> = {} end))
print(pcall(function()
  local c1 <close> = closer("c1")
  local c2 <close> = setmetatable({}, {__close = function(_, e) print("c2 sees", e); error("c2 error", 0) end})
  error("original", 0)
end))
