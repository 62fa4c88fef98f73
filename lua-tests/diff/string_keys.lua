-- String keys looked up by equal strings that are other objects (built at run time, so
-- not the stored object), in tables big enough for their probe chains to collide; and
-- `t[k] = v` with the key in a register: overwrite in place, delete, re-add, and the
-- `__newindex` rules for present and absent keys.

local function key(prefix, i)
  -- Built by concatenation each time: a new object for long strings (over 40 bytes).
  return prefix .. tostring(i)
end

local long = string.rep("x", 45)
for _, prefix in ipairs({ "k", long }) do
  local t = {}
  local n = 3000
  for i = 1, n do
    t[key(prefix, i)] = i
  end
  local sum, misses = 0, 0
  for i = 1, n do
    local v = t[key(prefix, i)]
    if v then sum = sum + v else misses = misses + 1 end
    if t[key(prefix, -i)] ~= nil then misses = misses + 100 end
  end
  print(#prefix, "lookups", sum, misses)
  -- Overwrite through equal strings, then delete every other key and add them back.
  for i = 1, n, 3 do
    local k = key(prefix, i)
    t[k] = t[key(prefix, i)] * 2
  end
  for i = 1, n, 2 do
    t[key(prefix, i)] = nil
  end
  local count, total = 0, 0
  for _, v in pairs(t) do
    count = count + 1
    total = total + v
  end
  print(#prefix, "after delete", count, total)
  for i = 1, n, 2 do
    t[key(prefix, i)] = -i
  end
  count, total = 0, 0
  for _, v in pairs(t) do
    count = count + 1
    total = total + v
  end
  print(#prefix, "re-added", count, total, t[key(prefix, 1)], t[key(prefix, 4)])
end

-- A register key on a table with a metatable: a present field is overwritten in place (no
-- __newindex), an absent or deleted one goes to __newindex.
local log = {}
local mt = { __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v); rawset(t, k, v) end }
local obj = setmetatable({ alpha = 1, beta = 2 }, mt)
local names = { "alpha", "beta", "gamma", key("al", "pha") }
for _, k in ipairs(names) do
  obj[k] = (rawget(obj, k) or 0) + 10
end
obj[names[2]] = nil
obj[names[2]] = 5
print(obj.alpha, obj.beta, obj.gamma, table.concat(log, " "))

-- The same with constant field names: delete, then re-add through __newindex.
log = {}
local o2 = setmetatable({ a = 1, b = 2 }, mt)
o2.a, o2.b = 10, nil
o2.b = 20
o2.c = 30
o2.c = 31
print(o2.a, o2.b, o2.c, table.concat(log, " "))
-- Without a metatable: a field deleted and added back, nil stored to an absent field, and a
-- new field that a later setmetatable finds as a metamethod.
local plain = { x = 1 }
plain.x = nil
plain.y = nil
plain.x = 2
local proto = {}
proto.__index = function(_, k) return "idx:" .. k end
setmetatable(plain, proto)
print(plain.x, rawget(plain, "y"), plain.z)
-- A metamethod added to a metatable after a lookup found it missing.
local mt2 = {}
local obj2 = setmetatable({}, mt2)
print(obj2.q)
mt2.__index = function(_, k) return "late:" .. k end
print(obj2.q)
local name = "__newindex"
mt2[name] = function(_, k, v) print("newindex", k, v) end
obj2.r = 1
