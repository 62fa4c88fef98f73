-- Float floor division and modulo, including infinities and zero.
local ns = {7.5, -7.5, 6.0, -6.0, 0.5, -0.5, 0.0}
local ds = {2.0, -2.0, 0.5, -0.5, math.huge, -math.huge}
for _, a in ipairs(ns) do
  local row = {}
  for _, b in ipairs(ds) do
    row[#row + 1] = string.format("%g,%g", a // b, a % b)
  end
  print(a, table.concat(row, " "))
end
print(1 // 0.0, -1 // 0.0, 1 / 0, -1 / 0, 0.0 / 1, -0.0 / 1)
print(5.0 // 1, -5.0 // 1, 5 // 1.0, 3 % -2.0, -3 % 2.0)
print(2^53 // 1, 2^53 % 2, 1e308 // 1e-308)

-- Modulo of whole floats (computed as integers where exact) against the general case:
-- signs, zero results (-0.0 keeps its sign), magnitudes up to and past 2^63.
local wholes = {0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 7.0, -8.0, 2^31, -2^31, 2^32 + 5,
  2^52 + 1, -(2^53), 2^53 + 2, 2^62, -(2^62) - 1024, 2^63, -(2^63), 2^64, 1e300, -1e300}
local divisors = {1.0, -1.0, 2.0, -2.0, 3.0, 7.0, -7.0, 2^32, -(2^31), 2^53, 2^62,
  -(2^63), 2^63, 0.5, 1e300, math.huge}
for _, a in ipairs(wholes) do
  local row = {}
  for _, b in ipairs(divisors) do
    local r = a % b
    row[#row + 1] = string.format("%.17g", r) .. (r == 0 and 1 / r < 0 and "(-)" or "")
  end
  print(string.format("%.17g", a), table.concat(row, " "))
end
print(5.0 % 0.0, -5.0 % 0.0, (0 / 0) % 2.0, 2.0 % (0 / 0), math.huge % 2.0)
print(math.fmod(-6.0, 3.0), math.fmod(7.0, -3.0), math.fmod(2^53 + 2, 10.0), math.fmod(-0.0, 5.0))
