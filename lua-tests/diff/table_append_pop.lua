-- table.insert(t, v) and table.remove(t) on sequences: the executor's fast path for the
-- array part and every case it leaves to the natives give lua5.4's results, borders and
-- `#` hints, errors and hook events.
local insert, remove = table.insert, table.remove

local function show(label, t, n)
  local parts = {}
  for i = 1, n do parts[#parts + 1] = tostring(t[i]) end
  print(label, #t, table.concat(parts, " "))
end

-- Growing from empty (array part grows through rehashes), then popping to empty.
local t = {}
for i = 1, 40 do insert(t, i * i) end
show("grown", t, 42)
local sum = 0
for _ = 1, 25 do sum = sum + remove(t) end
print("popped", sum)
show("left", t, 17)
while #t > 0 do remove(t) end
print("empty", #t, remove(t), #t)

-- Removing from an empty table clears t[0] (lua5.4 writes t[#t] = nil with #t = 0).
local z = { [0] = "zero" }
print("t[0]", remove(z), z[0], rawlen(z))

-- Sequences with holes: the border (and so where insert appends and what remove takes)
-- follows lua5.4's `#` hint.
local h = { 1, 2, 3, nil, 5, 6, 7, 8 }
insert(h, "a")
show("holes insert", h, 12)
print("holes remove", remove(h), remove(h), #h)
local g = {}
for i = 1, 16 do g[i] = i end
g[8] = nil
g[16] = nil
print("g border", #g)
insert(g, "x")
show("g", g, 17)
print("g remove", remove(g), remove(g), #g)
for i = 20, 1, -1 do g[i] = nil end
for i = 1, 9 do insert(g, -i) end
g[5] = nil
print("g remove again", remove(g), remove(g), #g)
show("g final", g, 10)

-- Values in the hash part (constructed with keys, sparse), nil values.
local s = { [1] = "a", [2] = "b", [3] = "c" }
insert(s, "d")
print("hash part", #s, remove(s), remove(s), #s)
local n = { 1, 2, 3 }
insert(n, nil)
print("insert nil", #n, select("#", insert(n, 4)), #n, n[4])

-- Results: none for insert, one for remove, in every calling form.
print("counts", select("#", insert({}, 1)), select("#", remove({ 1 })), select("#", remove({})))
local packed = table.pack(insert(n, 5))
print("packed", packed.n, #n)
print("pcall", pcall(insert, n, 6), pcall(remove, n))
local function tail(q) return remove(q) end
print("tail", tail({ "t1", "t2" }))
local co = coroutine.wrap(function(q)
  insert(q, "co")
  coroutine.yield(remove(q))
  return remove(q)
end)
print("coroutine", co({ "first" }), co())

-- Tables with metatables: __len, __index, __newindex go through the natives.
local log = {}
local proxy = setmetatable({}, {
  __len = function() return 2 end,
  __index = function(_, k) log[#log + 1] = "get " .. k; return "v" .. k end,
  __newindex = function(_, k, v) log[#log + 1] = "set " .. k .. "=" .. tostring(v) end,
})
insert(proxy, "p")
print("proxy remove", remove(proxy))
print("proxy log", table.concat(log, ", "))
local counted = setmetatable({ 1, 2, 3 }, { __len = function() return 1 end })
insert(counted, "c")
print("len meta", rawlen(counted), counted[2], remove(counted), counted[1])
local plain_mt = setmetatable({ 1, 2 }, {})
insert(plain_mt, 3)
print("empty meta", #plain_mt, remove(plain_mt), #plain_mt)

-- Errors.
print(pcall(insert, nil, 1))
print(pcall(insert, {}, 1, 2, 3))
print(pcall(insert, {}))
print(pcall(remove, "str"))
print(pcall(insert, {}, 5, "x"))
print(pcall(remove, { 1, 2 }, 7))

-- Hooks still see the natives' calls.
local calls = {}
debug.sethook(function(ev)
  local info = debug.getinfo(2, "n")
  if info and (info.name == "insert" or info.name == "remove") then
    calls[#calls + 1] = ev .. " " .. info.name
  end
end, "cr")
local hk = {}
insert(hk, 1)
remove(hk)
debug.sethook()
print("hooks", table.concat(calls, ", "))

-- A queue and a stack driven hard (crossing array sizes both ways).
local q, stack, total = {}, {}, 0
for i = 1, 3000 do
  insert(q, i)
  insert(stack, i)
  if i % 3 == 0 then total = total + remove(q, 1) + remove(stack) end
end
while #stack > 0 do total = total + remove(stack) end
print("queue and stack", total, #q, #stack)
