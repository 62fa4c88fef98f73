-- sort.lua: sorting in pure Lua (quicksort + insertion sort) on pseudo-random integers.
-- table.sort is not used because piccolo 0.3 lacks it; this measures comparisons, swaps and
-- array indexing in the interpreter itself. Swaps go through a temporary local instead of
-- `a[i], a[j] = a[j], a[i]`, which piccolo 0.3.3 miscompiles (it assigns a[j] to both).

-- Deterministic linear congruential generator (math.random differs between runtimes).
local seed = 12345
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local function insertion_sort(a, lo, hi)
  for i = lo + 1, hi do
    local v = a[i]
    local j = i - 1
    while j >= lo and a[j] > v do
      a[j + 1] = a[j]
      j = j - 1
    end
    a[j + 1] = v
  end
end

local function quicksort(a, lo, hi)
  while hi - lo > 16 do
    local mid = (lo + hi) // 2
    -- Median of three as pivot.
    if a[mid] < a[lo] then
      local t = a[mid]
      a[mid] = a[lo]
      a[lo] = t
    end
    if a[hi] < a[lo] then
      local t = a[hi]
      a[hi] = a[lo]
      a[lo] = t
    end
    if a[hi] < a[mid] then
      local t = a[hi]
      a[hi] = a[mid]
      a[mid] = t
    end
    local pivot = a[mid]
    local i, j = lo, hi
    while i <= j do
      while a[i] < pivot do i = i + 1 end
      while a[j] > pivot do j = j - 1 end
      if i <= j then
        local t = a[i]
        a[i] = a[j]
        a[j] = t
        i = i + 1
        j = j - 1
      end
    end
    -- Recurse into the smaller half, loop on the larger one.
    if j - lo < hi - i then
      quicksort(a, lo, j)
      lo = i
    else
      quicksort(a, i, hi)
      hi = j
    end
  end
  insertion_sort(a, lo, hi)
end

local checksum = 0
for round = 1, 12 do
  local n = 100000
  local a = {}
  for i = 1, n do
    a[i] = rand(1000000)
  end
  quicksort(a, 1, n)
  for i = 2, n do
    if a[i - 1] > a[i] then
      error("not sorted at " .. i)
    end
  end
  checksum = (checksum + a[1] + a[n // 2] * round + a[n]) % 1000000007
end
print("sort", checksum)
