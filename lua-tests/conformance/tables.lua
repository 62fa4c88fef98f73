-- Tables: constructors, keys, length, next/pairs/ipairs.
local function err(f)
  local ok, e = pcall(f)
  assert(not ok, "expected an error")
  return e
end

-- constructors
local t = {1, 2, 3, x = "x", ["y z"] = 5, [10] = "ten"; 4}
assert(t[1] == 1 and t[4] == 4, "positional fields")
assert(t.x == "x" and t["y z"] == 5 and t[10] == "ten", "named and bracketed fields")
assert(#{1, 2, nil} == 2 or #{1, 2, nil} == 3 or true, "trailing nil") -- border may vary; just must not error
local function three() return 1, 2, 3 end
local function none() end
assert(#{three()} == 3, "multi-return expands at end")
assert(#{three(), three()} == 4, "only last call expands")
local tt = {three(), 10}
assert(tt[1] == 1 and tt[2] == 10 and tt[3] == nil, "call in middle truncated")
assert(#{(three())} == 1, "parenthesised call truncated")
assert(next({none()}) == nil, "empty expansion")
local function va(...) return {...} end
local v = va(1, nil, 3)
assert(v[1] == 1 and v[2] == nil and v[3] == 3, "varargs with holes")
local v2 = {va(1, 2)[2], n = select("#", 1, 2)}
assert(v2[1] == 2 and v2.n == 2, "indexing call result")
local big = {}
for i = 1, 100 do big[i] = i end
local copy = {table.unpack(big)}
assert(#copy == 100 and copy[100] == 100, "large expansion in constructor")

-- keys
local k = {}
k[1.0] = "a"
assert(k[1] == "a", "float key normalised to integer")
k[2] = "b"
assert(k[2.0] == "b", "lookup with float key")
assert(next({[3.0] = true}) == 3 and math.type(next({[3.0] = true})) == "integer", "normalised key type")
k[1.5] = "c"
assert(k[1.5] == "c", "non-integral float key")
k[2^53] = "big"
assert(k[1 << 53] == "big", "large float key normalised")
k["1"] = "s"
assert(k[1] == "a", "string key is distinct")
k[true] = "t"
assert(k[true] == "t", "boolean key")
k[print] = "f"
assert(k[print] == "f", "function key")
k[k] = "self"
assert(k[k] == "self", "table key")
k[-0.0] = "zero"
assert(k[0] == "zero", "-0.0 key is 0")
assert(string.find(err(function() k[nil] = 1 end), "index is nil", 1, true), "nil key")
assert(string.find(err(function() k[0/0] = 1 end), "index is NaN", 1, true), "NaN key")
assert(k[nil] == nil, "reading nil key is fine")
assert(k[0/0] == nil, "reading NaN key is fine")
assert(string.find(err(function() rawset(k, nil, 1) end), "index is nil", 1, true), "rawset nil key")

-- length of sequences
assert(#{} == 0, "empty")
assert(#{1, 2, 3, 4, 5} == 5, "sequence")
local s = {}
for i = 1, 1000 do s[i] = i end
assert(#s == 1000, "grown sequence")
s[1000] = nil
assert(#s == 999, "shrunk at end")
for i = 999, 1, -1 do s[i] = nil end
assert(#s == 0, "emptied")
local h = {n = 1}
h[1] = 1; h[2] = 2
assert(#h == 2, "hash part sequence")
local border = {1, 2, 3, nil, 5}
local b = #border
assert(b == 3 or b == 5, "any border is allowed")
local grow = {}
grow[3] = 3; grow[2] = 2; grow[1] = 1
assert(#grow == 3, "sequence built backwards")

-- next / pairs / ipairs
local seen, count = {}, 0
for key, val in pairs({a = 1, b = 2, c = 3, 10, 20}) do
  seen[key] = val; count = count + 1
end
assert(count == 5 and seen.a == 1 and seen[2] == 20, "pairs visits all")
local order = {}
for i, val in ipairs({"a", "b", "c", nil, "e"}) do order[i] = val end
assert(#order == 3 and order[3] == "c", "ipairs stops at nil")
local arr = {}
for i = 1, 10 do arr[i] = i * i end
local keys = {}
for key in pairs(arr) do keys[#keys + 1] = key end
assert(#keys == 10, "pairs over array part")
assert(next({}) == nil, "next of empty table")
local k1, v1 = next({42})
assert(k1 == 1 and v1 == 42, "next returns key and value")
assert(next({42}, 1) == nil, "next after last key")
assert(string.find(err(function() next({}, "nokey") end), "invalid key to 'next'", 1, true), "next with missing key")
local mod = {a = 1, b = 2, c = 3}
for key in pairs(mod) do mod[key] = nil end
assert(next(mod) == nil, "clearing fields during traversal is allowed")
local up = {a = 1, b = 2}
for key in pairs(up) do up[key] = 10 end
assert(up.a == 10 and up.b == 10, "assigning existing fields during traversal")
local ip = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 10 end end})
local sum = 0
for _, val in ipairs(ip) do sum = sum + val end
assert(sum == 60, "ipairs respects __index")

-- nested and self-referencing
local n = {a = {b = {c = "deep"}}}
assert(n.a.b.c == "deep", "nested")
n.self = n
assert(n.self.self.a.b.c == "deep", "cycle")
local m = {}
m.x, m.y = 1, 2
assert(m.x == 1 and m.y == 2, "multiple assignment to fields")
local i = 1
local arr2 = {}
i, arr2[i] = i + 1, 20
assert(i == 2 and arr2[1] == 20, "index evaluated before assignment")

-- ipairs returns one shared iterator, which wraps around at maxinteger
assert(type(ipairs{}) == "function" and ipairs{} == ipairs{}, "ipairs iterator is shared")
do
  local k, v = ipairs{}({[math.mininteger] = 10}, math.maxinteger)
  assert(k == math.mininteger and v == 10, "ipairs iterator wraps around")
end
print("tables OK")
