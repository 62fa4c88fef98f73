-- Short concatenations (results up to 64 bytes are built in a stack buffer, strings
-- copied in whole words, integers written in place): every piece length around the
-- word and buffer edges, integers of every digit count and sign, mixed with floats
-- and long strings that take the general path.
local ints = {0, 7, -7, 10, -10, 99, -100, 12345, -123456789,
              999999999999, 1000000000000000000, math.maxinteger, math.mininteger}
local lens = {0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 39, 40, 41, 56, 63, 64, 65}

local function piece(n, c)
  return string.rep(c, n)
end

-- Two strings of every pair of lengths: results on both sides of 40 and 64 bytes.
for _, a in ipairs(lens) do
  for _, b in ipairs(lens) do
    local s = piece(a, "a") .. piece(b, "b")
    print(a, b, #s, s)
  end
end

-- A string and an integer, both orders, and three pieces.
for _, n in ipairs(lens) do
  for _, i in ipairs(ints) do
    local p = piece(n, "x")
    print(n, i, p .. i, i .. p, #(p .. i .. p))
  end
end

-- Integers only, and many pieces.
for _, i in ipairs(ints) do
  for _, j in ipairs(ints) do
    print(i .. j, i .. "," .. j .. ";")
  end
end

-- Pieces that come from `sub` of a longer string (their bytes sit inside another
-- string's allocation only in other implementations; here every string is its own).
local text = "The quick brown fox jumps over the lazy dog, 0123456789 times over"
for i = 1, #text, 5 do
  local a, b = text:sub(i, i + 6), text:sub(#text - i, #text - i + 9)
  print(a .. "|" .. b .. "|" .. i, #(a .. b .. text))
end

-- Floats and long strings go the general way; results must not change.
print(1.5 .. "x" .. 2, "y" .. -0.0 .. 3, 2^63 .. "", 10 // 3 .. 10 / 4)
local long = string.rep("L", 100)
print(#(long .. 1 .. "a"), ("a" .. long .. 7):sub(-5))

-- Equal results are equal strings and find each other as table keys.
local t = {}
for i = 1, 50 do t["k" .. i .. "_" .. i * 3] = i end
local found = 0
for i = 1, 50 do
  local k = "k" .. tostring(i) .. "_" .. tostring(i * 3)
  if t[k] == i then found = found + 1 end
end
print("found", found)

-- A `__concat` result is the value the metamethod returned, whatever its type: an
-- integer stays an integer (it was turned into a string once).
local function cat_to(result)
  return setmetatable({}, {__concat = function() return result end})
end
local v = cat_to(28)
local r = v .. v
print(r, math.type(r), ("x" .. v) == 28, (v .. 1 .. 2) == 28)
for _, result in ipairs({2.5, true, "s", 7}) do
  local c = cat_to(result) .. "x"
  print(type(c), c)
end
print(math.type(cat_to(-3) .. 1), math.type("a" .. "b" .. cat_to(4)))
