-- sieve.lua: sieve of Eratosthenes over a boolean array, repeated.
local function sieve(n)
  local composite = {}
  for i = 1, n do
    composite[i] = false
  end
  local count = 0
  for i = 2, n do
    if not composite[i] then
      count = count + 1
      for j = i * i, n, i do
        composite[j] = true
      end
    end
  end
  return count
end

local total = 0
for _ = 1, 80 do
  total = total + sieve(200000)
end
print("sieve", total)
