-- strings.lua: string building with `..` in loops, plus string.sub/len/upper/lower and
-- string comparison. Uses only string functions piccolo 0.3 also has (see README).
local checksum = 0
local last = ""

for round = 1, 90 do
  -- Repeated concatenation onto a growing string (quadratic copying, kept short).
  local s = ""
  for i = 1, 2000 do
    s = s .. (i % 10)
  end
  checksum = checksum + #s

  -- Many short concatenations producing fresh strings.
  local n = 0
  for i = 1, 20000 do
    local word = "w" .. i .. "_" .. round
    n = n + #word
  end
  checksum = checksum + n

  -- Slicing and case conversion.
  local text = "The quick brown fox jumps over the lazy dog " .. round
  local up = string.upper(text)
  local low = string.lower(up)
  for i = 1, #low - 3 do
    local piece = string.sub(low, i, i + 3)
    if piece == "fox " or piece < "bbbb" then
      checksum = checksum + i
    end
  end
  last = string.sub(s, 1, 12) .. "|" .. up
end

checksum = checksum % 1000000007
print("strings", checksum, last)
