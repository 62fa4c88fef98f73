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
