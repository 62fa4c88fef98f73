-- __tostring, __name, __pairs, __close, __metatable, __index on metatable-less values, OOP.

-- __tostring
local T = setmetatable({}, {__tostring = function() return "custom!" end})
assert(tostring(T) == "custom!", "__tostring")
local ok, e = pcall(tostring, setmetatable({}, {__tostring = function() return {} end}))
assert(not ok and string.find(e, "'__tostring' must return a string", 1, true), "__tostring must return a string: " .. tostring(e))
-- print uses __tostring
local printed
local oldprint = print
do
  -- capture via io.write is not possible; verify tostring is what print would use
  printed = tostring(T)
end
assert(printed == "custom!", "print path uses tostring")
assert(oldprint == print, "print untouched")
-- string.format %s uses __tostring
assert(string.format("%s", T) == "custom!", "%s uses __tostring")
assert(string.format("[%10s]", T) == "[   custom!]", "%10s with __tostring")

-- __name
local named = setmetatable({}, {__name = "MyType"})
assert(string.find(tostring(named), "^MyType: "), "__name in tostring: " .. tostring(named))
ok, e = pcall(function() return named + 1 end)
assert(not ok and string.find(e, "attempt to perform arithmetic on a MyType value", 1, true), "__name in error: " .. e)
ok, e = pcall(function() return string.rep(named) end)
assert(not ok and string.find(e, "bad argument #1 to 'rep' (string expected, got MyType)", 1, true), "__name in argument error: " .. e)
local badname = setmetatable({}, {__name = 42})
assert(string.find(tostring(badname), "^table: "), "non-string __name ignored")

-- default tostring formats
assert(string.find(tostring({}), "^table: "), "table tostring")
assert(string.find(tostring(print), "^builtin: ") or string.find(tostring(print), "^function: "), "function tostring")
assert(string.find(tostring(function() end), "^function: "), "Lua function tostring")
assert(string.find(tostring(coroutine.create(function() end)), "^thread: "), "thread tostring")
assert(tostring(nil) == "nil" and tostring(true) == "true" and tostring(false) == "false", "primitive tostring")
local t1 = {}
assert(tostring(t1) == tostring(t1), "tostring stable for the same table")
assert(tostring(t1) ~= tostring({}), "distinct tables print differently")

-- __pairs
local P = setmetatable({}, {__pairs = function(t)
  local i = 0
  return function(_, _) i = i + 1; if i <= 3 then return i, i * 10 end end, t, nil
end})
local sum = 0
for k, v in pairs(P) do sum = sum + k + v end
assert(sum == 66, "__pairs")
-- __pairs may return a 4th to-be-closed value? pairs only returns 3 values in 5.4
local n = select("#", pairs(P))
assert(n == 3, "pairs returns three values")
-- next ignores __pairs
assert(next(P) == nil, "next is raw")
-- ipairs has no __ipairs in 5.4 but respects __index
local proxy = setmetatable({}, {__index = {10, 20, 30}})
local got = {}
for i, v in ipairs(proxy) do got[i] = v end
assert(#got == 3 and got[3] == 30, "ipairs through __index")

-- __close on a table used with <close>
local closed = false
do
  local c <close> = setmetatable({}, {__close = function() closed = true end})
end
assert(closed, "__close")

-- __metatable protection hides the real metatable
local hidden = setmetatable({}, {__metatable = false, __index = {x = 1}})
assert(getmetatable(hidden) == false and hidden.x == 1, "__metatable false still protects")
ok, e = pcall(setmetatable, hidden, nil)
assert(not ok and string.find(e, "cannot change a protected metatable", 1, true), e)

-- class-style OOP with inheritance
local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound) return setmetatable({name = name, sound = sound}, Animal) end
function Animal:speak() return self.name .. " says " .. self.sound end
function Animal:kind() return "animal" end
local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name, "woof"); return setmetatable(d, Dog) end
function Dog:kind() return "dog" end
local d = Dog.new("Rex")
assert(d:speak() == "Rex says woof", "inherited method")
assert(d:kind() == "dog", "overridden method")
assert(Animal.kind(d) == "animal", "explicit super call")
assert(getmetatable(d) == Dog, "metatable is the class")

-- __index function with rawset caching (memoisation)
local computed = 0
local memo = setmetatable({}, {__index = function(t, k)
  computed = computed + 1
  local v = k * k
  rawset(t, k, v)
  return v
end})
assert(memo[4] == 16 and memo[4] == 16 and computed == 1, "memoising __index")

-- __newindex/__index on the same proxy to track accesses
local backing, reads = {}, 0
local tracked = setmetatable({}, {
  __index = function(_, k) reads = reads + 1; return backing[k] end,
  __newindex = function(_, k, v) backing[k] = v end,
})
tracked.a = 1; tracked.a = 2
assert(tracked.a == 2 and reads == 1 and rawget(tracked, "a") == nil, "tracking proxy")

-- metamethods on the string metatable can be extended
local smt = getmetatable("")
smt.__unm = function(s) return s:reverse() end
assert(-"abc" == "cba", "custom string __unm")
smt.__unm = nil
print("meta_misc OK")
