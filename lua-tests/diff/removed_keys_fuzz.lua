-- Random stores and removals of keys of every kind in a strong, a weak-keyed and a
-- weak-valued table, with collections, traversals that remove entries (decided by value,
-- so the result does not depend on `pairs` order) and lookups of strings made again: the
-- counts must be lua5.4's (removed keys are not kept alive, and are never read).
local function run(seed)
  local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
  local keys = {}
  for i = 1, 200 do
    local k = rnd(4)
    if k == 1 then keys[i] = {id = i}
    elseif k == 2 then keys[i] = "s" .. i
    elseif k == 3 then keys[i] = string.rep("long key ", 5) .. i
    else keys[i] = i * 7 end
  end
  local strong = {}
  local weakk = setmetatable({}, {__mode = "k"})
  local weakv = setmetatable({}, {__mode = "v"})
  local out = {}
  for step = 1, 4000 do
    local op = rnd(10)
    local i = rnd(200)
    local k = keys[i]
    if op <= 4 then
      strong[k] = step; weakk[k] = step; weakv[i] = keys[i]
    elseif op <= 6 then
      strong[k] = nil
    elseif op == 7 then
      weakk[k] = nil
    elseif op == 8 then
      -- drop our reference to an object key, replace by a fresh object
      if type(k) == "table" then keys[i] = {id = i, gen = step} end
    elseif op == 9 then
      collectgarbage()
    else
      local n = 0
      for kk, v in pairs(strong) do
        n = n + 1
        if v % 3 == 0 then strong[kk] = nil end
        if v % 50 == 0 then collectgarbage() end
      end
      out[#out + 1] = n
    end
  end
  collectgarbage(); collectgarbage()
  local ns, nk, nv = 0, 0, 0
  for _ in pairs(strong) do ns = ns + 1 end
  for _ in pairs(weakk) do nk = nk + 1 end
  for _ in pairs(weakv) do nv = nv + 1 end
  -- content lookups of string keys made again
  local hits = 0
  for i = 1, 200 do
    local k = keys[i]
    if type(k) == "string" then
      local again = (k:sub(1, 1) == "s" and ("s" .. i)) or (string.rep("long key ", 5) .. i)
      if strong[again] ~= nil then hits = hits + 1 end
    end
  end
  print(ns, nk, nv, hits, table.concat(out, ","):sub(1, 200))
end
for seed = 1, 6 do run(seed) end
