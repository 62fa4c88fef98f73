-- Integer floor division and modulo for all sign combinations.
local ns = {7, -7, 6, -6, 1, -1, 0, math.maxinteger, math.mininteger}
local ds = {3, -3, 2, -2, 1, -1, math.maxinteger, math.mininteger}
for _, a in ipairs(ns) do
  local row = {}
  for _, b in ipairs(ds) do
    row[#row + 1] = (a // b) .. "," .. (a % b)
  end
  print(a, table.concat(row, " "))
end
print(pcall(function() local z = 0; return 5 // z end))
print(pcall(function() local z = 0; return 5 % z end))
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7, -3))
print(math.fmod(math.mininteger, -1), math.fmod(7.5, 2), math.fmod(-7.5, 2))
print(pcall(math.fmod, 1, 0))
