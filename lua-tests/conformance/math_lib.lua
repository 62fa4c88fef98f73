-- The math library of Lua 5.4.
local maxi, mini = math.maxinteger, math.mininteger
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end
local function close(a, b) return math.abs(a - b) < 1e-12 end

-- constants
assert(maxi == 0x7fffffffffffffff and mini == -maxi - 1, "integer limits")
assert(math.type(maxi) == "integer", "maxinteger type")
assert(math.huge > 1e308 and -math.huge < -1e308 and math.huge == 1 / 0, "huge")
assert(close(math.pi, 3.141592653589793), "pi")
assert(math.type(math.pi) == "float", "pi is float")

-- type
assert(math.type(1) == "integer" and math.type(1.0) == "float", "math.type")
assert(math.type("1") == nil and math.type({}) == nil, "math.type of non-numbers is nil")
assert(string.find(err(function() return math.type() end), "bad argument #1 to 'type' (value expected)", 1, true), "math.type()")

-- floor / ceil return integers when representable
assert(math.floor(3.7) == 3 and math.type(math.floor(3.7)) == "integer", "floor")
assert(math.floor(-3.2) == -4, "floor negative")
assert(math.ceil(3.2) == 4 and math.type(math.ceil(3.2)) == "integer", "ceil")
assert(math.ceil(-3.7) == -3, "ceil negative")
assert(math.floor(5) == 5 and math.type(math.floor(5)) == "integer", "floor of int")
assert(math.floor(2^70) == 2^70 and math.type(math.floor(2^70)) == "float", "floor out of integer range stays float")
assert(math.floor(-0.0) == 0, "floor -0.0")
assert(math.ceil(-0.5) == 0 and math.type(math.ceil(-0.5)) == "integer", "ceil -0.5")
assert(math.floor(math.huge) == math.huge, "floor inf")
assert(string.find(err(function() return math.floor("x") end), "bad argument #1 to 'floor' (number expected, got string)", 1, true), "floor string")
assert(math.floor("3.5") == 3, "floor of numeric string")

-- tointeger
assert(math.tointeger(3.0) == 3 and math.type(math.tointeger(3.0)) == "integer", "tointeger float")
assert(math.tointeger(3.5) == nil, "tointeger fraction")
assert(math.tointeger(7) == 7, "tointeger int")
assert(math.tointeger({}) == nil, "tointeger table")
assert(math.tointeger(2^63) == nil and math.tointeger(-2^63) == mini, "tointeger limits")
assert(math.tointeger(0 / 0) == nil and math.tointeger(math.huge) == nil, "tointeger nan/inf")

-- abs
assert(math.abs(-5) == 5 and math.type(math.abs(-5)) == "integer", "abs int")
assert(math.abs(-5.5) == 5.5, "abs float")
assert(math.abs(mini) == mini, "abs mininteger wraps")
assert(math.abs(-0.0) == 0.0 and 1 / math.abs(-0.0) > 0, "abs -0.0 is +0.0")

-- fmod
assert(math.fmod(7, 3) == 1 and math.type(math.fmod(7, 3)) == "integer", "fmod ints")
assert(math.fmod(-7, 3) == -1, "fmod truncates toward zero")
assert(math.fmod(7, -3) == 1, "fmod sign of dividend")
assert(math.fmod(7.5, 2) == 1.5 and math.type(math.fmod(7.5, 2)) == "float", "fmod float")
assert(math.fmod(-7.5, 2) == -1.5, "fmod negative float")
assert(math.fmod(mini, -1) == 0, "fmod mininteger by -1")
assert(math.fmod(5, math.huge) == 5, "fmod by inf")
local fnan = math.fmod(1, 0.0)
assert(fnan ~= fnan, "fmod float by zero is nan")
assert(string.find(err(function() return math.fmod(1, 0) end), "bad argument #2 to 'fmod' (zero)", 1, true), "fmod int by zero")
assert(string.find(err(function() return math.fmod(1) end), "bad argument #2 to 'fmod' (number expected, got no value)", 1, true), "fmod missing arg")

-- modf
local ip, fp = math.modf(3.7)
assert(ip == 3 and close(fp, 0.7) and math.type(fp) == "float", "modf")
ip, fp = math.modf(-3.7)
assert(ip == -3.0 and close(fp, -0.7), "modf negative")
ip, fp = math.modf(5)
assert(ip == 5.0 and fp == 0.0, "modf int")
ip, fp = math.modf(math.huge)
assert(ip == math.huge and fp == 0.0, "modf inf")

-- sqrt, exp, log
assert(math.sqrt(16) == 4.0 and math.type(math.sqrt(16)) == "float", "sqrt")
assert(close(math.exp(1), 2.718281828459045), "exp")
assert(math.log(1) == 0.0, "log 1")
assert(close(math.log(8, 2), 3.0), "log base 2")
assert(close(math.log(100, 10), 2.0), "log base 10")
assert(close(math.log(math.exp(2)), 2.0), "natural log")
assert(math.log(0) == -math.huge, "log 0")

-- trig
assert(math.sin(0) == 0.0 and close(math.sin(math.pi / 2), 1.0), "sin")
assert(math.cos(0) == 1.0 and close(math.cos(math.pi), -1.0), "cos")
assert(close(math.tan(math.pi / 4), 1.0), "tan")
assert(close(math.asin(1), math.pi / 2) and close(math.acos(1), 0), "asin acos")
assert(close(math.atan(1), math.pi / 4), "atan one arg")
assert(close(math.atan(1, -1), 3 * math.pi / 4), "atan two args")
assert(close(math.atan(-1, -1), -3 * math.pi / 4), "atan quadrant")
assert(math.atan(0, -1) == math.pi, "atan(0,-1)")
assert(close(math.deg(math.pi), 180) and close(math.rad(180), math.pi), "deg rad")

-- max / min
assert(math.max(1, 5, 3) == 5 and math.min(4, 2, 8) == 2, "max min")
assert(math.type(math.max(1, 2)) == "integer", "max keeps integer")
assert(math.max(1, 2.5) == 2.5 and math.min(1, 2.5) == 1, "mixed")
assert(math.type(math.max(2, 2.0)) == "integer", "max returns the first of equal values")
assert(math.max(-0.0) == 0, "single argument")
assert(math.max(mini, maxi) == maxi and math.min(mini, maxi) == mini, "extremes")
assert(string.find(err(function() return math.max() end), "bad argument #1 to 'max' (value expected)", 1, true), "max()")
assert(string.find(err(function() return math.min(1, "x") end), "attempt to compare string with number", 1, true), "min compares without checking types")

-- ult
assert(math.ult(1, 2) and not math.ult(2, 1), "ult basic")
assert(math.ult(1, -1), "-1 is the largest unsigned")
assert(math.ult(maxi, mini), "maxinteger < mininteger unsigned")
assert(string.find(err(function() return math.ult(1.5, 2) end), "bad argument #1 to 'ult' (number has no integer representation)", 1, true), "ult float")

-- random
math.randomseed(42)
local seq1 = {}
for i = 1, 10 do seq1[i] = math.random(1, 1000) end
math.randomseed(42)
for i = 1, 10 do assert(math.random(1, 1000) == seq1[i], "randomseed determinism") end
for _ = 1, 1000 do
  local r = math.random()
  assert(r >= 0 and r < 1 and math.type(r) == "float", "random() in [0,1)")
  local k = math.random(6)
  assert(k >= 1 and k <= 6 and math.type(k) == "integer", "random(m) in [1,m]")
  local j = math.random(-3, 3)
  assert(j >= -3 and j <= 3, "random(m,n) with negative m")
end
assert(math.random(5, 5) == 5, "degenerate interval")
assert(math.type(math.random(0)) == "integer", "random(0) gives a random integer")
local full = math.random(mini, maxi)
assert(math.type(full) == "integer", "full integer range allowed")
assert(string.find(err(function() return math.random(0.5) end), "bad argument #1 to 'random' (number has no integer representation)", 1, true), "random(0.5)")
assert(string.find(err(function() return math.random(2, 1) end), "to 'random' (interval is empty)", 1, true), "empty interval")
assert(string.find(err(function() return math.random(-1) end), "bad argument #1 to 'random' (interval is empty)", 1, true), "random(-1)")
assert(string.find(err(function() return math.random(1, 2, 3) end), "wrong number of arguments", 1, true), "too many args")
local seen = {}
math.randomseed(7)
for _ = 1, 200 do seen[math.random(3)] = true end
assert(seen[1] and seen[2] and seen[3], "all values of a small range appear")
math.randomseed() -- reseeding without arguments is allowed

-- integer/float conversion through math functions
assert(math.type(2^31 | 0) == "integer", "float to int via bitwise")
assert(3 // 1 == 3 and math.type(3.0 // 1) == "float", "floor division keeps float")
print("math_lib OK")
