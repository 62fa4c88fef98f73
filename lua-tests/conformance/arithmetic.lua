-- Integer and float arithmetic semantics.
local maxi, mini = math.maxinteger, math.mininteger

local function errmsg(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error")
  return err
end

-- basic results and result types
assert(1 + 2 == 3 and math.type(1 + 2) == "integer", "int + int")
assert(math.type(1 + 2.0) == "float", "int + float is float")
assert(math.type(2 * 3) == "integer", "int * int")
assert(7 / 2 == 3.5, "division")
assert(math.type(4 / 2) == "float", "/ always float")
assert(2 ^ 10 == 1024.0 and math.type(2 ^ 10) == "float", "^ always float")
assert(2 ^ 0.5 == math.sqrt(2), "fractional power")
assert(-2 ^ 2 == -4, "unary minus binds looser than ^")

-- wraparound
assert(maxi + 1 == mini, "maxinteger + 1 wraps")
assert(mini - 1 == maxi, "mininteger - 1 wraps")
assert(maxi * 2 == -2, "multiplication wraps")
assert(-mini == mini, "negating mininteger wraps")
assert(mini * -1 == mini, "mininteger * -1")

-- floor division
assert(7 // 2 == 3, "7//2")
assert(-7 // 2 == -4, "-7//2 floors")
assert(7 // -2 == -4, "7//-2 floors")
assert(-7 // -2 == 3, "-7//-2")
assert(math.type(7 // 2) == "integer", "int // int is int")
assert(7.0 // 2 == 3.0 and math.type(7.0 // 2) == "float", "float // int is float")
assert(-7.5 // 2 == -4.0, "-7.5//2")
assert(mini // -1 == mini, "mininteger // -1 wraps")
assert(1 // 0.0 == math.huge, "1//0.0 = inf")
assert(-1 // 0.0 == -math.huge, "-1//0.0 = -inf")
local nan = 0.0 // 0.0
assert(nan ~= nan, "0.0//0.0 is nan")
assert(string.find(errmsg(function() return 1 // 0 end), "attempt to divide by zero", 1, true), "int // 0 errors")
local zero = 0
assert(string.find(errmsg(function() return 5 // zero end), "attempt to divide by zero", 1, true), "int // 0 errors at runtime")

-- modulo
assert(7 % 3 == 1, "7%3")
assert(-7 % 3 == 2, "-7%3 has sign of divisor")
assert(7 % -3 == -2, "7%-3")
assert(-7 % -3 == -1, "-7%-3")
assert(math.type(7 % 3) == "integer", "int % int is int")
assert(7.5 % 2 == 1.5, "7.5%2")
assert(-7.5 % 2 == 0.5, "-7.5%2")
assert(7.5 % -2 == -0.5, "7.5%-2")
assert(math.type(7 % 3.0) == "float", "int % float is float")
assert(mini % -1 == 0, "mininteger % -1")
assert(5 % math.huge == 5.0, "x % inf = x for positive x")
assert(-5 % math.huge == math.huge, "-5 % inf = inf")
assert(5 % -math.huge == -math.huge, "5 % -inf = -inf")
local m = 1 % 0.0
assert(m ~= m, "1 % 0.0 is nan")
assert(string.find(errmsg(function() return 1 % zero end), "attempt to perform 'n%0'", 1, true), "int % 0 errors")

-- float division by zero
assert(1 / 0 == math.huge, "1/0 = inf")
assert(-1 / 0 == -math.huge, "-1/0 = -inf")
local q = 0 / 0
assert(q ~= q, "0/0 is nan")

-- equality across subtypes
assert(3 == 3.0, "3 == 3.0")
assert(-0.0 == 0, "-0.0 == 0")
assert(2^53 == 2^53 + 1.0, "float precision")
assert(2^53 ~= (1 << 53) + 1, "int not equal to imprecise float")
assert(maxi ~= 2^63, "maxinteger ~= 2^63")
assert(maxi < 2^63, "maxinteger < 2^63")
assert(maxi + 0.0 == 2^63, "maxinteger converts to 2^63 as float")
assert(mini == -2^63, "mininteger == -2^63")
assert(mini <= -2^63 and not (mini < -2^63), "mininteger vs -2^63")
assert((1 << 53) + 1 > 2^53, "large int compared exactly with float")
assert(not ((1 << 53) + 1 <= 2^53), "large int compared exactly (<=)")
assert(1 < 1.5 and 2 > 1.5, "mixed comparison")
assert(maxi < math.huge and mini > -math.huge, "ints vs infinities")
assert(not (1 < q) and not (1 > q) and not (q == q), "comparisons with nan are false")

-- float -> int conversions
assert(math.tointeger(3.0) == 3, "tointeger 3.0")
assert(math.tointeger(3.5) == nil, "tointeger 3.5")
assert(math.tointeger(2^63) == nil, "tointeger 2^63 out of range")
assert(math.tointeger(-2^63) == mini, "tointeger -2^63")
assert(3.0 | 0 == 3 and math.type(3.0 | 0) == "integer", "float with integral value in bitwise op")

-- integer -> float conversions
assert(math.type(1 + 0.0) == "float", "promotion")
assert(maxi + 0.0 == 9223372036854775807.0, "maxinteger as float")
assert(1e308 * 10 == math.huge, "float overflow to inf")

-- unary minus
assert(-(-3) == 3, "double negation")
assert(math.type(-3) == "integer" and math.type(-3.0) == "float", "negation keeps subtype")
assert(1 / -0.0 == -math.huge, "negative zero")

-- exponent and nested operations
assert(2 ^ 3 ^ 2 == 512, "^ is right associative")
assert(2 ^ -1 == 0.5, "negative exponent")
assert((-8) ^ (1 / 3) ~= (-8) ^ (1 / 3), "pow of negative base with fractional exponent is nan")
print("arithmetic OK")
