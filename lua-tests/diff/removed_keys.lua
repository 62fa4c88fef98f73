-- A key removed from a table (`t[k] = nil`) no longer keeps its object alive, as in
-- lua5.4: the table keeps the entry's place but not the key.

local function gc() collectgarbage(); collectgarbage() end

-- A weak table sees the key go once the only other table holding it dropped it.
local strong, weak = {}, setmetatable({}, {__mode = "k"})
do
  local k = {}
  weak[k] = true; strong[k] = true; strong[k] = nil
end
gc()
print("weak key gone", next(weak) == nil)

-- A finalizer runs for a key that was removed from a table still in use.
local log = {}
local holder = {}
do
  local t = holder
  local o = setmetatable({}, {__gc = function() log[#log + 1] = "finalized" end})
  t[o] = 1; t[o] = nil
end
gc()
log[#log + 1] = "after collect"
print(table.concat(log, " "), next(holder))

-- Many removed keys of every object kind, collected, then new objects (which may take
-- the freed objects' memory) and equal strings stored and looked up in the same table.
local t = {}
local kinds = {
  function(i) return {} end,
  function(i) return function() return i end end,
  function(i) return string.rep("long string key ", 4) .. i end,
  function(i) return "s" .. i end,
  function(i) return coroutine.create(function() end) end,
}
for round = 1, 3 do
  for i = 1, 300 do
    local k = kinds[i % #kinds + 1](i)
    t[k] = i
    t[k] = nil
  end
  gc()
  local fresh = {}
  for i = 1, 300 do
    local k = kinds[i % #kinds + 1](i)
    fresh[i] = k
    t[k] = i
  end
  local found, count = 0, 0
  for i = 1, 300 do
    if t[fresh[i]] == i then found = found + 1 end
  end
  for _ in pairs(t) do count = count + 1 end
  -- Equal strings made again find the entries.
  local by_content = 0
  for i = 1, 300 do
    local m = i % #kinds + 1
    if m == 3 or m == 4 then
      if t[kinds[m](i)] == i then by_content = by_content + 1 end
    end
  end
  print("round", round, found, count, by_content)
  for i = 1, 300 do t[fresh[i]] = nil end
end

-- Removing keys during a traversal, with collections in between, as lua5.4 allows.
local cache = {}
for i = 1, 200 do cache[string.rep("x", 50) .. i] = i; cache[{}] = i end
local seen = 0
for k in pairs(cache) do
  cache[k] = nil
  seen = seen + 1
  if seen % 50 == 0 then gc() end
end
print("traversed", seen, next(cache))

-- The same in a weak-valued table, and in a table that becomes weak after removals.
local wv = setmetatable({}, {__mode = "v"})
local keep = {}
for i = 1, 100 do local v = {} keep[i] = v wv["k" .. i] = v end
seen = 0
for k in pairs(wv) do
  wv[k] = nil
  seen = seen + 1
  if seen % 25 == 0 then gc() end
end
print("weak traversed", seen, next(wv))

local late = {}
for i = 1, 100 do late[{}] = i end
for k in pairs(late) do late[k] = nil end
gc()
setmetatable(late, {__mode = "k"})
gc()
local held = {}
for i = 1, 50 do local k = {} held[i] = k late[k] = i end
gc()
local n = 0
for _ in pairs(late) do n = n + 1 end
print("late weak", n)
