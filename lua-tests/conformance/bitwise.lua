-- Bitwise operators on integers, floats with integral values and strings.
local function err(f)
  local ok, e = pcall(f)
  assert(not ok, "expected an error")
  return e
end

assert(0xF0 & 0x3C == 0x30, "&")
assert(0xF0 | 0x0F == 0xFF, "|")
assert(0xFF ~ 0x0F == 0xF0, "binary ~ is xor")
assert(~0 == -1 and ~-1 == 0, "unary ~")
assert(1 << 4 == 16, "<<")
assert(256 >> 4 == 16, ">>")
assert(-1 >> 1 == math.maxinteger, ">> is logical")
assert(-1 >> 63 == 1, "logical shift of -1 by 63")
assert(1 << 63 == math.mininteger, "1 << 63")
assert(1 << 64 == 0, "shift by 64 gives 0")
assert(-1 << 64 == 0 and -1 >> 64 == 0, "shift by >= 64 gives 0")
assert(1 << -1 == 0, "negative shift goes the other way (1 >> 1)")
assert(4 << -1 == 2, "4 << -1 == 2")
assert(4 >> -1 == 8, "4 >> -1 == 8")
assert(1 >> math.mininteger == 0, "huge negative shift")
assert(math.type(1 << 2) == "integer", "shift result is integer")

-- floats with exact integer values are converted
assert(3.0 & 1 == 1, "float operand")
assert(math.type(2.0 | 0) == "integer", "result of float | int is integer")
assert(2^53 | 0 == 1 << 53, "2^53 converts")
assert(-0.0 | 0 == 0, "-0.0 converts to 0")
assert(string.find(err(function() return 1.5 | 0 end), "has no integer representation", 1, true), "1.5 | 0")
assert(string.find(err(function() return 2^63 | 0 end), "has no integer representation", 1, true), "2^63 | 0")
assert(string.find(err(function() return math.huge & 1 end), "has no integer representation", 1, true), "inf & 1")
local nan = 0 / 0
assert(string.find(err(function() return nan >> 1 end), "has no integer representation", 1, true), "nan >> 1")
assert(string.find(err(function() return ~1.5 end), "has no integer representation", 1, true), "~1.5")

-- Lua 5.4's string library only provides arithmetic metamethods, so strings are
-- not coerced for bitwise operators
assert(string.find(err(function() return "3" | 0 end), "attempt to perform bitwise operation on a string value", 1, true), "string operand")
assert(string.find(err(function() local s = "0x10" return s & 0xFF end), "attempt to perform bitwise operation on a string value (local 's')", 1, true), "hex string operand")
assert(string.find(err(function() return "abc" | 0 end), "attempt to perform bitwise operation on a string value", 1, true), "non-numeric string")
assert(string.find(err(function() return {} & 1 end), "attempt to perform bitwise operation on a table value", 1, true), "table operand")
assert(string.find(err(function() return nil ~ 1 end), "attempt to perform bitwise operation on a nil value", 1, true), "nil operand")

-- identities
for _, v in ipairs({0, 1, -1, 12345, math.maxinteger, math.mininteger}) do
  assert(v ~ v == 0, "x ~ x == 0")
  assert(v & -1 == v, "x & -1 == x")
  assert(v | 0 == v, "x | 0 == x")
  assert(~~v == v, "~~x == x")
  assert((v << 1) >> 1 == v & math.maxinteger, "shift round trip")
end
print("bitwise OK")
