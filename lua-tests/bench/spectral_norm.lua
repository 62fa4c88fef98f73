-- spectral_norm.lua: the largest singular value of an infinite matrix with entries
-- 1/((i+j)(i+j+1)/2+i+1), by power iteration: nested loops of float arithmetic over arrays,
-- with the matrix-vector products in small functions.

local function entry(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end

local function times(out, v, n)
  for i = 1, n do
    local sum = 0.0
    for j = 1, n do
      sum = sum + entry(i, j) * v[j]
    end
    out[i] = sum
  end
end

local function times_transposed(out, v, n)
  for i = 1, n do
    local sum = 0.0
    for j = 1, n do
      sum = sum + entry(j, i) * v[j]
    end
    out[i] = sum
  end
end

local function times_ata(out, v, tmp, n)
  times(tmp, v, n)
  times_transposed(out, tmp, n)
end

local n = 550
local u, v, tmp = {}, {}, {}
for i = 1, n do u[i] = 1.0 end
for _ = 1, 10 do
  times_ata(v, u, tmp, n)
  times_ata(u, v, tmp, n)
end
local vbv, vv = 0.0, 0.0
for i = 1, n do
  vbv = vbv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
local result = math.sqrt(vbv / vv)

print("spectral_norm", math.floor(result * 1e9))
