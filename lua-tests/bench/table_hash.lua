-- table_hash.lua: hash-part tables: string keys and mixed keys; insert, lookup, update, delete.
local N = 50000
local checksum = 0

-- Build the key strings once so the loop measures table work, not string creation.
local keys = {}
for i = 1, N do
  keys[i] = "key" .. i
end

for round = 1, 24 do
  local t = {}
  -- Insert.
  for i = 1, N do
    t[keys[i]] = i
  end
  -- Lookup (hits and misses).
  local hits = 0
  for i = 1, N do
    if t[keys[i]] then
      hits = hits + 1
    end
    if t["nokey" .. (i % 100)] then
      hits = hits - 1
    end
  end
  -- Update.
  for i = 1, N, 2 do
    local k = keys[i]
    t[k] = t[k] * 3 + round
  end
  -- Delete every third key.
  for i = 1, N, 3 do
    t[keys[i]] = nil
  end
  -- Count and sum what is left (order-independent).
  local count, sum = 0, 0
  for _, v in pairs(t) do
    count = count + 1
    sum = sum + v
  end
  checksum = (checksum + hits + count + sum) % 1000000007
end

-- Mixed keys: sparse integers, floats, booleans, tables as keys.
local m = {}
local objs = {}
for i = 1, 2000 do
  objs[i] = {}
end
for round = 1, 100 do
  for i = 1, 2000 do
    m[i * 1000] = i
    m[i + 0.5] = i
    m[objs[i]] = i
  end
  m[true] = round
  m[false] = -round
  local s = 0
  for i = 1, 2000 do
    s = s + m[i * 1000] + m[i + 0.5] + m[objs[i]]
  end
  for i = 1, 2000, 2 do
    m[objs[i]] = nil
    m[i * 1000] = nil
  end
  checksum = (checksum + s + m[true] - m[false]) % 1000000007
end

print("table_hash", checksum)
