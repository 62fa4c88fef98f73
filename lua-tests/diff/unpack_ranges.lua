-- table.unpack over every kind of range: the array part's run is copied at once, keys
-- outside it are looked up one by one, and reads move the `#` hint as lua5.4's do.
local function show(...)
  local t = table.pack(...)
  local parts = {}
  for i = 1, t.n do parts[i] = tostring(t[i]) end
  return t.n .. ": " .. table.concat(parts, " ")
end

local t = {10, 20, 30, 40}
t[0], t[-1], t[5], t[6], t[9] = "zero", "minus", 50, 60, 90
print(show(table.unpack(t)))
print(show(table.unpack(t, -1, 9)))
print(show(table.unpack(t, 3)))
print(show(table.unpack(t, 2, 3)))
print(show(table.unpack(t, 4, 4)))
print(show(table.unpack(t, 5, 7)))
print(show(table.unpack(t, 0, 0)))
print(show(table.unpack(t, 3, 2)))
print(show(table.unpack({}, 1, 3)))
print(show(table.unpack({})))

-- Holes, and `#` after reads that pass the hint (the border lua5.4 picks depends on it).
for _, n in ipairs({3, 5, 8, 17}) do
  local h = {}
  for i = 1, n do h[i] = i end
  h[2] = nil
  h[n - 1] = nil
  local before = #h
  print(n, before, show(table.unpack(h, 1, n)), #h)
  local g = {}
  for i = 1, n do g[i] = i end
  g[n] = nil
  g[n - 2] = nil
  print(n, show(table.unpack(g, n - 1, n + 1)), #g)
end
local c = {1, 2, nil, 4}
print(#c, show(table.unpack(c)), #c)
local d = {nil, nil, 3}
print(#d, show(table.unpack(d, 1, 3)), #d)

-- Integer keys near the limits, and a huge empty range.
local big = {[math.maxinteger] = "max", [math.mininteger] = "min"}
print(show(table.unpack(big, math.maxinteger - 1, math.maxinteger)))
print(show(table.unpack(big, math.mininteger, math.mininteger + 1)))
print(pcall(table.unpack, {}, 1, 1e7))
print(pcall(table.unpack, {}, math.mininteger, math.maxinteger))

-- With a metatable: `__index` is honoured for absent keys; present ones read raw.
local proxy = setmetatable({1, nil, 3}, {__index = function(_, k) return "idx" .. k end})
print(show(table.unpack(proxy, 1, 5)))
local plain_mt = setmetatable({7, 8}, {})
print(show(table.unpack(plain_mt, 1, 3)))

-- Many values (the results go on the stack).
local many = {}
for i = 1, 5000 do many[i] = i end
print(select("#", table.unpack(many)), select(4999, table.unpack(many)))
print((select(2, table.unpack(many, 4000))))

-- `#` before and after reads that pass the hint, over tables with two holes: a digest
-- of the borders found (a read that failed to move the hint changes it).
local digest, count = 0, 0
for n = 4, 24 do
  for hole = 1, n do
    for hole2 = 1, n do
      local h = {}
      for i = 1, n do h[i] = i end
      h[hole] = nil
      h[hole2] = nil
      local a = #h
      table.unpack(h, 1, hole)
      local b = #h
      table.unpack(h, 1, n)
      local c = #h
      digest = (digest * 31 + a * 10000 + b * 100 + c) % 1000000007
      count = count + 1
    end
  end
end
print("borders", count, digest)
