-- nqueens.lua: counts the placements of n queens for several n by backtracking, once with
-- boolean arrays for columns and diagonals, once with bit masks, and checks they agree.

local function queens_arrays(n)
  local cols, diag1, diag2 = {}, {}, {}
  for i = 1, 2 * n do
    cols[i], diag1[i], diag2[i] = false, false, false
  end
  local count = 0
  local function place(row)
    if row > n then
      count = count + 1
      return
    end
    for c = 1, n do
      local d1, d2 = row + c, row - c + n
      if not cols[c] and not diag1[d1] and not diag2[d2] then
        cols[c], diag1[d1], diag2[d2] = true, true, true
        place(row + 1)
        cols[c], diag1[d1], diag2[d2] = false, false, false
      end
    end
  end
  place(1)
  return count
end

local function queens_bits(n)
  local all = (1 << n) - 1
  local function place(cols, left, right)
    if cols == all then return 1 end
    local count = 0
    local free = all & ~(cols | left | right)
    while free ~= 0 do
      local bit = free & -free
      free = free ~ bit
      count = count + place(cols | bit, ((left | bit) << 1) & all, (right | bit) >> 1)
    end
    return count
  end
  return place(0, 0, 0)
end

local total = 0
for n = 4, 12 do
  local a = queens_arrays(n)
  local b = queens_bits(n)
  assert(a == b, "solvers disagree")
  total = total + a * n
end
local big = queens_bits(12)

print("nqueens", total, big)
