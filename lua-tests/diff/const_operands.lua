-- Arithmetic and order comparisons with a constant operand: `1 + x`, `2.0 * x`, `x - 1`,
-- `x > 4.0`, `4.0 <= x` and the like. The results, the operands a metamethod receives (in
-- source order, the constant keeping its integer or float type) and the variable an error
-- names must be the same whichever instruction the compiler picks for the constant.

local function show(v)
  return math.type(v) and (math.type(v) .. " " .. tostring(v)) or tostring(v)
end

local mt = {}
local function named(n) return setmetatable({ n = n }, mt) end
local function arg(v) return type(v) == "table" and ("obj" .. v.n) or show(v) end
for _, ev in ipairs({ "add", "sub", "mul", "lt", "le" }) do
  mt["__" .. ev] = function(p, q)
    print("  __" .. ev, arg(p), arg(q))
    if ev == "lt" or ev == "le" then return ev == "lt" end
    return ev
  end
end

print("numbers")
for _, x in ipairs({ 3, -7, 2.5, -0.0, 1e300, math.maxinteger, math.mininteger, 0 / 0 }) do
  print(show(x), show(1 + x), show(-128 + x), show(127 + x), show(1.0 + x), show(2.0 * x),
    show(3 * x), show(0.5 + x), show(x - 1), show(x - -128), show(x - 127), show(x - 2.0),
    show(1000 + x), show(2 ^ 53 * x))
  print("  ", x > 4.0, x >= 4.0, x < 4.0, x <= 4.0, 4.0 < x, 4.0 <= x, 4.0 > x, 4.0 >= x,
    x < -1.0, -1.0 < x, x <= 0.0, 0.0 >= x, x > -128.0, x < 127.0, x > 4, 4 < x,
    x < 0.5, 0.5 < x, x > 1000.0, not (x > 4.0), not (4.0 >= x))
end
-- an integer too large for a float's mantissa against a float immediate
local big = (1 << 53) + 1
print(big > 4.0, big < 4.0, -big < -4.0, 4.0 <= big, 9007199254740993 >= 1.0)

print("metamethods, constant first")
local o = named(1)
print(1 + o)
print(-3 + o)
print(1.0 + o)
print(2.5 + o)
print(2 * o)
print(2.0 * o)
print(300 + o)
print(300.0 * o)
print("metamethods, constant second")
print(o + 1)
print(o - 1)
print(o - 1.0)
print(o - -128)
print(o * 2.0)
print("order metamethods")
print(o > 4.0, o >= 4.0, o < 4.0, o <= 4.0)
print(4.0 < o, 4.0 <= o, 4.0 > o, 4.0 >= o)
print(o > 4, o >= -4, 4 < o, -4 <= o)
print(o < 0.5, 0.5 < o)
print(o < -0.0, -0.0 <= o)
if o > 4.0 then print("  taken") else print("  not taken") end
if not (4.0 >= o) then print("  taken") else print("  not taken") end
local n = 0
while o > 1.0 and n < 2 do n = n + 1 end
print("  loop ran", n)

print("__le from __lt")
local lt_only = setmetatable({ n = 2 }, { __lt = function(p, q)
  print("  __lt", arg(p), arg(q))
  return false
end })
print(pcall(function() return lt_only <= 4.0 end))
print(pcall(function() return 4.0 >= lt_only end))

print("errors")
local t = {}
local function try(f)
  local ok, err = pcall(f)
  print(ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
end
local function locals(x, t)
  try(function() return 1 + x end)
  try(function() return 2.0 * x end)
  try(function() return 3 * x end)
  try(function() return x - 1 end)
  try(function() return x > 4.0 end)
  try(function() return 1 + x, 2.0 * x end)
  local y = x
  try(function() return 2.5 * t + y end)
  print(pcall(function(a) return 1 + a end, nil))
  print(pcall(function(a) return 2.0 * a end, {}))
  print(pcall(function(a) return a - 1 end, true))
  print(pcall(function(a) return 2.0 >= a end, "s"))
  print(pcall(function(a) return a < 4.0 end, {}))
end
locals(nil, {})
local x
try(function() return 1 + x end)
try(function() return 2.0 * x end)
try(function() return 3 * x end)
try(function() return 1.5 + x end)
try(function() return x - 1 end)
try(function() return t.f - 2 end)
try(function() return 1 + t.field end)
try(function() return 2.0 * t end)
try(function() return t * 2.0 end)
try(function() return 10 + {} end)
try(function() return x > 4.0 end)
try(function() return 4.0 <= x end)
try(function() return t < 1.0 end)
try(function() return "abc" >= 2.0 end)
try(function() return 2.0 > "abc" end)
try(function() return 1 + "a" end)
try(function() return 2.0 * "x" end)
print(1 + "2", 2.0 * "3", "10" - 1, 1.0 + "0x10")

print("string.dump round trip")
local f = load(string.dump(function(a)
  return 1 + a, 2.0 * a, 3.5 + a, a - 1, a > 4.0, 4.0 <= a, 2.0 > a, a <= -1.0
end))
print(f(3))
print(f(4.5))
print(f(o))

print("equality with immediates and between registers")
local vals = { 3, 3.0, 4, -0.0, 0, 0 / 0, "3", math.maxinteger, 2 ^ 63, -128, -128.0, true }
for _, p in ipairs(vals) do
  local line = {}
  for _, q in ipairs(vals) do line[#line + 1] = (p == q) and "=" or "." end
  print(show(p), table.concat(line), p == 3, p == 3.0, p ~= 0, p == -0.0, p == -128, p ~= 127.0)
end
