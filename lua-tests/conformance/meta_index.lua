-- __index and __newindex: tables, functions, chains; rawget/rawset/rawequal/rawlen.

-- __index with a table
local base = {greet = "hi", n = 1}
local derived = setmetatable({}, {__index = base})
assert(derived.greet == "hi", "__index table lookup")
assert(rawget(derived, "greet") == nil, "rawget bypasses __index")
derived.greet = "own"
assert(derived.greet == "own" and base.greet == "hi", "own field shadows")

-- __index chains
local a = {x = "a"}
local b = setmetatable({y = "b"}, {__index = a})
local c = setmetatable({z = "c"}, {__index = b})
assert(c.x == "a" and c.y == "b" and c.z == "c" and c.w == nil, "three-level chain")

-- __index function receives table and key
local calls = {}
local lazy = setmetatable({}, {__index = function(t, k)
  calls[#calls + 1] = k
  assert(type(t) == "table", "__index gets the table")
  return k .. "!"
end})
assert(lazy.foo == "foo!" and lazy[1] == "1!", "__index function")
assert(#calls == 2 and calls[2] == 1, "function called per miss")
lazy.foo = "set"
assert(lazy.foo == "set" and #calls == 2, "no call when field present")

-- __index function returning multiple values: only first used
local mr = setmetatable({}, {__index = function() return 1, 2 end})
assert(select("#", mr.x) == 1, "one value from __index")

-- __index on a chain ending in a function
local fbase = setmetatable({}, {__index = function(_, k) return "deep " .. k end})
local fchild = setmetatable({}, {__index = fbase})
assert(fchild.q == "deep q", "table then function")

-- __newindex with a function
local log = {}
local guarded = setmetatable({}, {__newindex = function(t, k, v)
  log[#log + 1] = k .. "=" .. tostring(v)
  rawset(t, k, v * 2)
end})
guarded.a = 5
assert(guarded.a == 10 and log[1] == "a=5", "__newindex function")
guarded.a = 7 -- existing key: no metamethod
assert(guarded.a == 7 and #log == 1, "__newindex not called for existing keys")
guarded.a = nil
guarded.a = 1 -- absent again
assert(guarded.a == 2 and #log == 2, "__newindex called again after removal")

-- __newindex with a table redirects the assignment
local store = {}
local proxy = setmetatable({}, {__newindex = store})
proxy.k = "v"
assert(rawget(proxy, "k") == nil and store.k == "v", "__newindex table")
-- chained __newindex tables
local inner = {}
local middle = setmetatable({}, {__newindex = inner})
local outer = setmetatable({}, {__newindex = middle})
outer.z = 1
assert(inner.z == 1 and rawget(middle, "z") == nil, "__newindex chain")

-- read-only table idiom
local ro = setmetatable({}, {__index = {x = 1}, __newindex = function(_, k) error("read-only: " .. k, 2) end})
local ok, e = pcall(function() ro.y = 2 end)
assert(not ok and string.find(e, "read-only: y", 1, true), "read-only proxy")
assert(ro.x == 1, "read-only proxy reads")

-- __index on non-table values through debug-free paths: strings
assert(("abc").len == string.len, "string methods via __index")
assert(getmetatable("").__index == string, "string metatable")

-- indexing non-tables errors
ok, e = pcall(function() local n = nil; return n.x end)
assert(not ok and string.find(e, "attempt to index a nil value (local 'n')", 1, true), e)
ok, e = pcall(function() local n = 5; n.x = 1 end)
assert(not ok and string.find(e, "attempt to index a number value (local 'n')", 1, true), e)
ok, e = pcall(function() return (true).x end)
assert(not ok and string.find(e, "attempt to index a boolean value", 1, true), e)

-- loops in __index chains are detected
local loop1, loop2 = {}, {}
setmetatable(loop1, {__index = loop2})
setmetatable(loop2, {__index = loop1})
ok, e = pcall(function() return loop1.x end)
assert(not ok and string.find(e, "'__index' chain too long; possible loop", 1, true), "index loop: " .. tostring(e))
setmetatable(loop1, {__newindex = loop2})
setmetatable(loop2, {__newindex = loop1})
ok, e = pcall(function() loop1.x = 1 end)
assert(not ok and string.find(e, "'__newindex' chain too long; possible loop", 1, true), "newindex loop: " .. tostring(e))

-- raw functions
local r = setmetatable({}, {__index = function() return "meta" end, __newindex = function() error("no") end, __len = function() return 99 end, __eq = function() return true end})
rawset(r, "k", "raw")
assert(rawget(r, "k") == "raw" and r.k == "raw", "rawset/rawget")
assert(rawget(r, "missing") == nil and r.missing == "meta", "rawget ignores __index")
assert(rawset(r, 1, "one") == r, "rawset returns the table")
assert(#r == 99 and rawlen(r) == 1, "rawlen ignores __len")
assert(rawlen("abcd") == 4, "rawlen of string")
local r2 = setmetatable({}, getmetatable(r))
assert(r == r2, "__eq used by ==")
assert(not rawequal(r, r2), "rawequal ignores __eq")
assert(rawequal(r, r) and rawequal(1, 1.0) and rawequal("a", "a"), "rawequal on primitives")
assert(not rawequal(1, "1"), "rawequal no coercion")
ok, e = pcall(rawlen, 5)
assert(not ok and string.find(e, "table or string expected", 1, true), "rawlen type error: " .. e)
ok, e = pcall(rawget, "s", 1)
assert(not ok and string.find(e, "bad argument #1 to 'rawget' (table expected, got string)", 1, true), e)
ok, e = pcall(rawset, {}, 0/0, 1)
assert(not ok and string.find(e, "index is NaN", 1, true), e)

-- setmetatable / getmetatable
local m = {}
local obj = {}
assert(setmetatable(obj, m) == obj, "setmetatable returns its first argument")
assert(getmetatable(obj) == m, "getmetatable")
assert(setmetatable(obj, nil) == obj and getmetatable(obj) == nil, "remove metatable")
assert(getmetatable({}) == nil and getmetatable(1) == nil, "no metatable")
ok, e = pcall(setmetatable, {}, 5)
assert(not ok and string.find(e, "bad argument #2 to 'setmetatable' (nil or table expected", 1, true), e)
ok, e = pcall(setmetatable, 5, {})
assert(not ok and string.find(e, "bad argument #1 to 'setmetatable' (table expected, got number)", 1, true), e)

-- __metatable protection
local protected = setmetatable({}, {__metatable = "locked"})
assert(getmetatable(protected) == "locked", "__metatable value returned")
ok, e = pcall(setmetatable, protected, {})
assert(not ok and string.find(e, "cannot change a protected metatable", 1, true), e)
assert(getmetatable("x").__metatable == nil, "string metatable not protected")
-- __newindex only for absent (or nil) fields; overwriting present ones is raw.
do
  local log = {}
  local obj = setmetatable({ x = 1 }, { __newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v) end })
  obj.x = 2            -- present: raw
  obj.y = 3            -- absent: __newindex
  obj.x = nil          -- present: raw delete
  obj.x = 4            -- now absent again: __newindex
  obj[1.0] = "one"     -- float key normalised, absent: __newindex
  obj[1] = "uno"       -- present now: raw
  assert(#log == 3 and log[1] == "y" and log[2] == "x" and log[3] == 1, table.concat(log, ","))
  assert(obj.x == 4 and obj.y == 3 and obj[1] == "uno")
end

print("meta_index OK")
