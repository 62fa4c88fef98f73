-- Left-associative chains are not nesting: lua5.4 accepts a million operators, fields or
-- calls in a row. True nesting (parentheses, constructors, right-associative operators,
-- blocks) stops with "C stack overflow".
local N = 1000000

local sum = assert(load("local a = ... return " .. string.rep("a + ", N) .. "a"))
assert(sum(1) == N + 1)
assert(sum(0.5) == (N + 1) / 2)

local mixed = assert(load("local a, b = ... return " .. string.rep("a * b - a + ", N // 4) .. "0"))
assert(mixed(2, 3) == (N // 4) * 4)

local cmp = assert(load("local a = ... return " .. string.rep("a == ", 1000) .. "a"))
assert(cmp(1) == false)

local ands = assert(load("local a = ... return " .. string.rep("a and ", 20000) .. "a"))
assert(ands(7) == 7 and ands(false) == false)
local ors = assert(load("local a = ... return " .. string.rep("a or ", 20000) .. "a"))
assert(ors(nil) == nil and ors(3) == 3)

local chain = setmetatable({}, {__index = function(t) return t end})
local fields = assert(load("local t = ... return t" .. string.rep(".a", N)))
assert(fields(chain) == chain)
local keys = assert(load("local t = ... return t" .. string.rep("[1]", N // 4)))
assert(keys(chain) == chain)

local function self() return self end
local calls = assert(load("local f = ... return f" .. string.rep("()", N)))
assert(calls(self) == self)
local obj = {}
function obj:m() return self end
local methods = assert(load("local o = ... return o" .. string.rep(":m()", N // 4)))
assert(methods(obj) == obj)
local mixed_suffixes = assert(load("local o = ... return o" .. string.rep(".a:m()[1]()", N // 8)))
local weird = setmetatable({}, {
  __index = function(t) return t end,
  __call = function(t) return t end,
})
assert(mixed_suffixes(weird) == weird)

-- An assignment to the end of a long field chain.
local target = assert(load("local t = ... t" .. string.rep(".a", 100000) .. " = 5"))
local seen
local sink = setmetatable({}, {
  __index = function(t) return t end,
  __newindex = function(_, k, v) seen = v end,
})
target(sink)
assert(seen == 5)

-- Chains inside a function body compiled repeatedly do not leak or recurse.
for _ = 1, 3 do
  local make = assert(load("return function(a) return " .. string.rep("a+", 10000) .. "a end"))
  assert(make()(1) == 10001)
end

-- True nesting still has a limit, worded as lua5.4 words it.
local function too_deep(src)
  local f, err = load(src)
  assert(f == nil, "expected an error for deep nesting")
  assert(string.find(err, "C stack overflow", 1, true), err)
end
too_deep("return " .. string.rep("(", 1000) .. "1" .. string.rep(")", 1000))
too_deep("return " .. string.rep("{", 1000) .. string.rep("}", 1000))
too_deep("return " .. string.rep("a .. ", 1000) .. "a")
too_deep("return " .. string.rep("2 ^ ", 1000) .. "2")
too_deep("return " .. string.rep("- ", 1000) .. "2")
too_deep(string.rep("do ", 1000) .. string.rep("end ", 1000))
too_deep("return " .. string.rep("function() return ", 1000) .. "1" .. string.rep(" end", 1000))
local ok, err = pcall(load, "return " .. string.rep("(", 1000) .. "1" .. string.rep(")", 1000))
assert(ok and err == nil)
-- Moderate nesting is fine.
assert(load("return " .. string.rep("(", 50) .. "1" .. string.rep(")", 50)))
assert(load("return " .. string.rep("{", 50) .. string.rep("}", 50)))

print("long chains OK")
