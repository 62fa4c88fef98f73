-- How a Lua function called from a native returns its one result there (table.sort's
-- comparator, gsub's replacement function, metamethods run by table functions): results of
-- every type, truthiness, to-be-closed variables, captured locals, tail calls, and the stack
-- left as it was after many such returns.

local function stack_depth()
  local n = 0
  while debug.getinfo(n + 1, 'l') do n = n + 1 end
  return n
end
local depth0 = stack_depth()

local function data() return {5, 3, 9, 1, 7, 2, 8, 6, 4} end

-- Truthy and falsy results that are not booleans.
local t = data()
table.sort(t, function(a, b) return a < b and 0 or nil end)
print(table.concat(t, ' '))
table.sort(t, function(a, b) return a > b and 'yes' or false end)
print(table.concat(t, ' '))
table.sort(t, function(a, b) return a < b and {} or nil end)
print(table.concat(t, ' '))
table.sort(t, function(a, b) return a > b and 0.5 or nil end)
print(table.concat(t, ' '))
table.sort(t, function(a, b) return a < b and print or nil end)
print(table.concat(t, ' '))

-- A comparator with a to-be-closed variable: closed once per call, before the result is used.
local closes, calls = 0, 0
local closer = setmetatable({}, {__close = function() closes = closes + 1 end})
t = data()
table.sort(t, function(a, b)
  local c <close> = closer
  calls = calls + 1
  return a < b
end)
print(table.concat(t, ' '), closes == calls, calls > 0)

-- Captured locals of the comparator (each call has its own).
local fs = {}
t = data()
table.sort(t, function(a, b)
  local lt = a < b
  fs[#fs + 1] = function() return lt end
  return lt
end)
local agree = 0
for _, f in ipairs(fs) do if f() == true or f() == false then agree = agree + 1 end end
print(table.concat(t, ' '), agree == #fs)

-- A comparator that returns by a tail call, to a Lua function and to a native.
local function lt(a, b) return a < b end
t = data()
table.sort(t, function(a, b) return lt(b, a) end)
print(table.concat(t, ' '))
t = data()
table.sort(t, function(a, b) return math.ult(b, a) end)
print(table.concat(t, " "))

-- __lt from a sort without a comparator, with results that are not booleans.
local V = {__lt = function(x, y) return x.v < y.v and 1 or nil end}
local objs = {}
for i, v in ipairs(data()) do objs[i] = setmetatable({v = v}, V) end
table.sort(objs)
for i = 1, #objs do io.write(objs[i].v, ' ') end print()

-- gsub's replacement function returning each kind of value.
print(string.gsub('a b c', '%w', function(c) return c:upper() end))
print(string.gsub('a b c', '%w', function(c) return 42 end))
print(string.gsub('a b c', '%w', function(c) return 1.5 end))
print(string.gsub('a b c', '%w', function(c) return false end))
print(string.gsub('a b c', '%w', function(c) return nil end))
print(pcall(string.gsub, 'a b c', '%w', function(c) return {} end))

-- __index functions run by table.concat and table.unpack.
local proxy = setmetatable({}, {__index = function(_, k) return 'v' .. k end, __len = function() return 4 end})
print(table.concat(proxy, ','), table.unpack(proxy, 1, 3))

-- Many returns leave the stack as it was; the caller's locals are intact.
local keep1, keep2 = 'k1', 'k2'
local big = {}
for i = 1, 2000 do big[i] = (i * 7919) % 2003 end
table.sort(big, function(a, b) return a > b end)
print(big[1], big[2000], keep1, keep2, stack_depth() == depth0)
-- An error after many successful returns unwinds to the pcall, not further.
local n = 0
print(pcall(table.sort, big, function(a, b) n = n + 1 if n == 500 then error('stop', 0) end return a < b end))
print(stack_depth() == depth0, keep1, keep2)
