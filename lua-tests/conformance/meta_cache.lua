-- Metamethods added to a metatable after lookups found them absent must be seen: the
-- runtime remembers absent metamethods per metatable, and every way of adding a field
-- has to forget that.

-- __eq added by assignment after `==` found none.
local mt = {}
local a, b = setmetatable({}, mt), setmetatable({}, mt)
for _ = 1, 3 do assert(a ~= b) end
mt.__eq = function() return true end
assert(a == b, "__eq added by assignment")

-- __eq added by rawset, only on the second operand's metatable.
local m1, m2 = {}, {}
local x, y = setmetatable({}, m1), setmetatable({}, m2)
for _ = 1, 3 do assert(x ~= y and y ~= x) end
rawset(m2, "__eq", function() return true end)
assert(x == y and y == x, "__eq added by rawset")
m2.__eq = nil
assert(x ~= y, "__eq removed")

-- __index chains: a method added to a base class after misses.
local Base = {}
Base.__index = Base
local Derived = setmetatable({}, Base)
Derived.__index = Derived
local obj = setmetatable({}, Derived)
for _ = 1, 3 do assert(obj.greet == nil) end
Base.greet = function() return "hi" end
assert(obj.greet() == "hi", "method added to the base class")
Derived.greet = function() return "derived" end
assert(obj:greet() == "derived", "override added to the derived class")

-- __index added to a metatable that had none.
local plain_mt = {}
local p = setmetatable({}, plain_mt)
for _ = 1, 3 do assert(p.field == nil) end
plain_mt.__index = { field = 42 }
assert(p.field == 42, "__index added by assignment")
plain_mt.__index = function(_, k) return k .. "!" end
assert(p.field == "field!", "__index replaced by a function")
rawset(plain_mt, "__index", nil)
assert(p.field == nil, "__index removed")
rawset(plain_mt, "__index", { field = 7 })
assert(p.field == 7, "__index added by rawset")

-- __newindex added after fields were added freely.
local log = {}
local nmt = {}
local n = setmetatable({}, nmt)
for i = 1, 3 do n["k" .. i] = i end
assert(n.k3 == 3)
nmt.__newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v * 10) end
n.fresh = 5
assert(n.fresh == 50 and log[1] == "fresh", "__newindex added by assignment")
n.k1 = 9 -- present: no __newindex
assert(n.k1 == 9 and #log == 1)

-- A table that is its own metatable.
local self_mt = {}
setmetatable(self_mt, self_mt)
for i = 1, 3 do self_mt["f" .. i] = i end
self_mt.__newindex = function(t, k, v) rawset(t, k, "via " .. tostring(v)) end
self_mt.g = 1
assert(self_mt.g == "via 1", "__newindex on a table that is its own metatable")
rawset(self_mt, "__index", function(_, k) return "idx " .. k end)
assert(self_mt.missing == "idx missing")

-- A metatable shared through setmetatable after lookups, and __len / __call added late.
local lmt = {}
local l = setmetatable({ 1, 2, 3 }, lmt)
assert(#l == 3)
lmt.__len = function() return 99 end
assert(#l == 99, "__len added late")
assert(not pcall(l))
lmt.__call = function() return "called" end
assert(l() == "called", "__call added late")

-- __index through a table whose own metatable changes.
local Top = {}
local Mid = {}
local leaf = setmetatable({}, { __index = Mid })
for _ = 1, 3 do assert(leaf.v == nil) end
setmetatable(Mid, { __index = Top })
Top.v = "top"
assert(leaf.v == "top", "chain extended by setmetatable")
setmetatable(Mid, nil)
assert(leaf.v == nil, "chain cut by setmetatable")

print("meta_cache OK")
