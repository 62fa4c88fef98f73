-- table_array.lua: array-part tables: append with t[#t+1], indexed fill/read, #t, ipairs.
local N = 200000
local checksum = 0

for round = 1, 30 do
  -- Append via the length operator.
  local t = {}
  for i = 1, N do
    t[#t + 1] = i * round
  end
  -- Indexed read/sum.
  local sum = 0
  for i = 1, #t do
    sum = sum + t[i]
  end
  -- In-place update.
  for i = 1, #t do
    t[i] = t[i] % 1000 + 1
  end
  -- ipairs traversal.
  local s2 = 0
  for _, v in ipairs(t) do
    s2 = s2 + v
  end
  -- Pre-sized fill by index, then shrink from the end.
  local u = {}
  for i = 1, N do
    u[i] = i
  end
  for i = N, N // 2 + 1, -1 do
    u[i] = nil
  end
  checksum = (checksum + sum + s2 + #t + #u) % 1000000007
end

-- A small 2D matrix multiply to exercise nested array access.
local n = 100
local a, b = {}, {}
for i = 1, n do
  a[i] = {}
  b[i] = {}
  for j = 1, n do
    a[i][j] = (i + j) % 7
    b[i][j] = (i * j) % 5
  end
end
local trace = 0
for i = 1, n do
  for j = 1, n do
    local s = 0
    local ai = a[i]
    for k = 1, n do
      s = s + ai[k] * b[k][j]
    end
    if i == j then
      trace = trace + s
    end
  end
end

print("table_array", checksum, trace)
