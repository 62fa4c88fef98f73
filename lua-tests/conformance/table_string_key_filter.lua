-- A string lookup in a table skips its probe when the table's filter of string keys
-- (`TableData::str_keys`) says the key was never added. Every way a string key gets into
-- a table must set its bit: a key missing from the filter would read as nil while
-- present. Here tables are built every way, and every key is read back through the
-- executor's paths (field, index, method lookup through `__index`), with absent keys
-- reading nil.

local function names(n, prefix)
  local t = {}
  for i = 1, n do
    -- Short (interned) and long (not interned, so equal strings are different objects).
    t[i] = (i % 3 == 0) and (prefix .. string.rep("x", 40) .. i) or (prefix .. i)
  end
  return t
end

local function check(t, keys, label)
  for i, k in ipairs(keys) do
    -- A fresh copy of the key: for long strings a different object with the same bytes.
    local copy = (k .. "!"):sub(1, -2)
    assert(t[k] == i, label .. ": key " .. k)
    assert(t[copy] == i, label .. ": copy of key " .. k)
  end
  for i = 1, 50 do
    assert(t["absent" .. i] == nil, label .. ": absent key")
  end
end

for n = 1, 40 do
  local keys = names(n, "k")

  -- One at a time (new keys into free slots, then rehashes as the part fills).
  local a = {}
  for i, k in ipairs(keys) do a[k] = i end
  check(a, keys, "incremental " .. n)

  -- With integer keys moving between the array and hash parts meanwhile.
  local b = {}
  for i, k in ipairs(keys) do
    b[k] = i
    b[i * 2] = true
    b[-i] = true
  end
  for i = 1, 2 * n do b[i] = true end
  check(b, keys, "mixed " .. n)

  -- Removed and added again, and removed for good.
  local c = {}
  for i, k in ipairs(keys) do c[k] = i end
  for _, k in ipairs(keys) do c[k] = nil end
  for i = 1, 50 do assert(c[keys[(i % n) + 1]] == nil) end
  for i, k in ipairs(keys) do c[k] = i end
  check(c, keys, "re-added " .. n)

  -- rawset.
  local d = {}
  for i, k in ipairs(keys) do rawset(d, k, i) end
  check(d, keys, "rawset " .. n)

  -- A constructor sized for its fields, then more fields.
  local fields = {}
  for i = 1, math.min(n, 5) do fields[i] = "f" .. i .. " = " .. i end
  local e = assert(load("return {" .. table.concat(fields, ", ") .. "}"))()
  for i, k in ipairs(keys) do e[k] = i end
  check(e, keys, "constructor " .. n)

  -- Instances reached through `__index`: the instance misses, the class has it.
  local Class = {}
  Class.__index = Class
  for i, k in ipairs(keys) do Class[k] = function() return i end end
  local obj = setmetatable({}, Class)
  for i, k in ipairs(keys) do
    obj["field" .. i] = i
    assert(obj[k]() == i, "method " .. k)
    assert(obj["field" .. i] == i)
  end
  for i, k in ipairs(keys) do
    obj[k] = function() return -i end -- now the instance has it
    assert(obj[k]() == -i, "own method " .. k)
  end
end

-- Weak tables: entries the collector removes, and keys added afterwards.
local weak = setmetatable({}, { __mode = "v" })
local keep = {}
for i = 1, 30 do
  local v = {}
  weak["w" .. i] = v
  if i % 2 == 0 then keep[i] = v end
end
collectgarbage()
collectgarbage()
for i = 1, 30 do
  if i % 2 == 0 then assert(weak["w" .. i] == keep[i]) end
end
for i = 31, 60 do weak["w" .. i] = keep[2] end
for i = 31, 60 do assert(weak["w" .. i] == keep[2]) end

print("table string key filter OK")
