-- lua5.4's standard build keeps Lua 5.3's fallback (LUA_COMPAT_LT_LE): without `__le`,
-- `a <= b` is `not (b < a)`, calling `__lt` with the operands swapped.
local log = {}
local mt = {__lt = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  log[#log + 1] = tostring(x) .. "<" .. tostring(y)
  return x < y
end}
local function V(v) return setmetatable({v = v}, mt) end
local a, b = V(1), V(2)
print(a <= b, b <= a, a >= b, b >= a, a <= a)
print(a <= 5, V(7) <= 5, a >= 0, 3 <= a, 1 <= a)
print(table.concat(log, " "))

-- `__le` itself wins when present.
local both = {__lt = function() return true end, __le = function() return false end}
print(setmetatable({}, both) <= setmetatable({}, both))

-- A truthy non-boolean from `__lt` negates to false.
local odd = setmetatable({}, {__lt = function() return "yes" end})
print(odd <= odd, odd < odd)

-- `if` and `not` through the fallback.
if a <= b then print("if ok") end
print(not (b <= a))

-- Neither metamethod: the usual error.
print(pcall(function() return {} <= {} end))
print(pcall(function() return setmetatable({}, {__le = 1}) <= {} end))
