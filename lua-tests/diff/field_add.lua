-- Adding fields with t.name = v: to plain tables, to objects whose metatable lacks
-- __newindex, and metamethods added to a metatable after lookups found them absent.
local mt = {pad1 = 1, pad2 = 2, pad3 = 3, pad4 = 4, pad5 = 5} -- room for new fields
local obj = setmetatable({}, mt)
print(obj.foo, obj == setmetatable({}, mt))
obj.a = 1                      -- mt known to lack __newindex: a plain add
mt.__index = function(_, k) return "idx " .. k end
print(obj.foo, obj.a)
mt.__newindex = function(t, k, v) rawset(t, k, v * 10) end
obj.b = 2                      -- must reach the new __newindex
print(obj.b)
obj.a = nil obj.a = 3          -- a removed field: present key, nil value -> __newindex
print(obj.a)
mt.__eq = function() return true end
print(obj == setmetatable({}, mt))
local p = {}
for i = 1, 20 do p["k" .. i] = i end
p.k5 = nil p.k5 = 55 p.k21 = nil
local n = 0 for _ in pairs(p) do n = n + 1 end
print(n, p.k5, p.k20, p.k21)
local self_mt = {pad1 = 1, pad2 = 2, pad3 = 3} setmetatable(self_mt, self_mt)
self_mt.x = 1 self_mt.__newindex = function(t, k, v) rawset(t, k, -v) end
self_mt.y = 2
print(self_mt.x, rawget(self_mt, "y"))
