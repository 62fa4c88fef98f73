-- Results of Lua metamethods called by instructions: stored in the destination register
-- (__add, __index, __call results are ordinary calls), deciding a comparison's jump
-- (__eq, __lt, __le, with `not` and in both branch senses), or dropped (__newindex);
-- with no result, several results, pending to-be-closed variables, yields inside, errors,
-- and return hooks.
local V = {}
V.__index = function(t, k) return k .. "!" , "extra" end
V.__add = function(a, b) return "sum" end
V.__sub = function(a, b) end                      -- no result: nil
V.__mul = function(a, b) return 6, 7, 8 end       -- first result only
V.__eq = function(a, b) return a.id == b.id end
V.__lt = function(a, b) return a.id < b.id end
V.__le = function(a, b) if a.id <= b.id then return 1 end end
V.__newindex = function(t, k, v) rawset(t, k, v * 2) return "ignored" end
V.__len = function() return 42, 43 end
V.__unm = function(a) return nil end
V.__concat = function(a, b) return "cat" end

local function new(id) return setmetatable({ id = id }, V) end
local a, b, c = new(1), new(2), new(1)

print(a.missing, a + b, a - b, a * b, #a, -a, a .. b)
print(a == b, a == c, a ~= b, not (a == c), a < b, b < a, a <= b, b <= a, a > b, a >= c)
if a < b then print("lt taken") else print("lt not taken") end
if not (a < b) then print("not lt taken") else print("not lt not taken") end
if a <= b then print("le taken") end
if b <= a then print("le wrongly taken") else print("le not taken") end
local count = 0
for i = 1, 100 do
  local x = new(i % 3)
  if x == a then count = count + 1 end
  if x < b then count = count + 10 end
  if x <= c then count = count + 100 end
  x.field = i
  count = count + x.field
end
print(count)

-- A to-be-closed variable in the metamethod: closed before its result arrives.
local log = {}
V.__div = function(x, y)
  local guard <close> = setmetatable({}, { __close = function() log[#log + 1] = "closed" end })
  return "div"
end
print(a / b, table.concat(log, ","))

-- Yields inside metamethods, resumed later.
V.__mod = function(x, y) return coroutine.yield("in mod") end
V.__lt = function(x, y) local r = coroutine.yield("in lt") return r end
local co = coroutine.wrap(function()
  local r = a % b
  local s = a < b and "yes" or "no"
  if a < b then s = s .. "+" end
  return r, s
end)
print(co())
print(co("mod result"))
print(co(true))
print(co(false))

-- Errors inside metamethods reach pcall with their position.
V.__idiv = function() error("idiv failed") end
print(pcall(function() return a // b end))
V.__eq = function() error({ code = 7 }) end
local ok, e = pcall(function() return a == c end)
print(ok, type(e) == "table" and e.code)

-- Return hooks see the metamethod's return.
V.__eq = function(x, y) return true end
local returns = 0
debug.sethook(function(ev) returns = returns + 1 end, "r")
local same = (a == b)
debug.sethook()
print(same, returns >= 1)

-- Deep metamethod recursion through __index functions.
local depth = 0
local deep = setmetatable({}, { __index = function(t, k)
  depth = depth + 1
  if k > 0 then return t[k - 1] end
  return "bottom"
end })
print(deep[150], depth)
