-- string_lib.lua: the string library functions that piccolo 0.3 lacks: table.concat,
-- string.format, string.rep, string.byte/char, string.find/gsub. Expected "n/a" for piccolo.
local checksum = 0
local sample = ""

for round = 1, 160 do
  -- Building with a buffer table and table.concat (the idiomatic alternative to `..`).
  local parts = {}
  for i = 1, 5000 do
    parts[#parts + 1] = string.format("%d:%x", i, i * round)
  end
  local joined = table.concat(parts, ",")
  checksum = checksum + #joined

  -- Byte-level access.
  for i = 1, #joined, 7 do
    checksum = checksum + string.byte(joined, i)
  end

  -- Pattern functions.
  local replaced, count = string.gsub(joined, "%d+:", "")
  checksum = checksum + count + #replaced
  local pos = string.find(joined, "4999:", 1, true)
  checksum = checksum + pos

  sample = string.rep(string.char(65 + round % 26), 3) .. string.sub(joined, 1, 10)
end

checksum = checksum % 1000000007
print("string_lib", checksum, sample)
