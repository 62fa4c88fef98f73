-- Operator metamethods: arithmetic, bitwise, __unm, __concat, __len, __eq, __lt, __le, __call.
local V = {}
V.__index = V
local function vec(x) return setmetatable({x = x}, V) end
local function val(o) return type(o) == "table" and o.x or o end
local seen = {}
for _, ev in ipairs({"add", "sub", "mul", "div", "mod", "pow", "idiv", "band", "bor", "bxor", "shl", "shr", "concat"}) do
  V["__" .. ev] = function(a, b)
    seen[#seen + 1] = ev
    return ev .. "(" .. tostring(val(a)) .. "," .. tostring(val(b)) .. ")"
  end
end
V.__unm = function(a, b) seen[#seen + 1] = "unm"; return "unm(" .. val(a) .. "," .. tostring(val(b)) .. ")" end
V.__bnot = function(a) return "bnot(" .. val(a) .. ")" end
V.__len = function(a) return "len" .. val(a) end

local a, b = vec(1), vec(2)
assert(a + b == "add(1,2)", "__add")
assert(a - 5 == "sub(1,5)", "__sub with number right")
assert(5 * a == "mul(5,1)", "__mul from right operand, order preserved")
assert(a / b == "div(1,2)", "__div")
assert(a % b == "mod(1,2)", "__mod")
assert(a ^ b == "pow(1,2)", "__pow")
assert(a // b == "idiv(1,2)", "__idiv")
assert(a & b == "band(1,2)", "__band")
assert(a | 3 == "bor(1,3)", "__bor")
assert(3 ~ a == "bxor(3,1)", "__bxor")
assert(a << b == "shl(1,2)", "__shl")
assert(a >> b == "shr(1,2)", "__shr")
assert(-a == "unm(1,1)", "__unm gets the operand twice")
assert(~a == "bnot(1)", "__bnot")
assert(a .. "s" == "concat(1,s)", "__concat right string")
assert("s" .. a == "concat(s,1)", "__concat left string")
assert(1 .. a == "concat(1,1)", "__concat with number")
assert(#a == "len1", "__len result not adjusted")
-- concat chains: evaluated right to left, metamethod applied pairwise
seen = {}
local chain = "x" .. "y" .. a
assert(chain == "xconcat(y,1)", "concat chain is right associative: " .. chain)
local chain2 = a .. "y" .. "z"
assert(chain2 == "concat(1,yz)", "concat chain with table first: " .. chain2)

-- bitwise metamethods are tried for floats without integer representation? no: only for non-numbers
local B = setmetatable({}, {__band = function() return "band" end})
assert((B & 1.5) == "band", "__band used when other operand is a non-integral float")
-- arithmetic metamethod for strings that are not numbers
local S = setmetatable({}, {__add = function(x, y) return "added" end})
assert("abc" + S == "added", "string with table operand uses table's __add")

-- missing metamethods
local ok, e = pcall(function() return vec(1) < vec(2) end)
assert(not ok and string.find(e, "attempt to compare two table values", 1, true), e)
ok, e = pcall(function() return setmetatable({}, {}) + 1 end)
assert(not ok and string.find(e, "attempt to perform arithmetic on a table value", 1, true), e)

-- __eq
local eqcalls = 0
local E = {__eq = function(x, y) eqcalls = eqcalls + 1; return x.id == y.id end}
local e1, e2, e3 = setmetatable({id = 1}, E), setmetatable({id = 1}, E), setmetatable({id = 2}, E)
assert(e1 == e2 and e1 ~= e3, "__eq")
assert(eqcalls == 2, "__eq called for distinct tables")
assert(e1 == e1 and eqcalls == 2, "__eq not called for identical objects")
assert(e1 ~= 1 and e1 ~= "x" and eqcalls == 2, "__eq not called for different types")
local plain = {id = 1}
assert(e1 == plain and eqcalls == 3, "__eq from first operand only one needs it")
assert(plain == e1 and eqcalls == 4, "__eq from second operand")
local truthy = setmetatable({}, {__eq = function() return "yes" end})
local truthy2 = setmetatable({}, getmetatable(truthy))
assert((truthy == truthy2) == true, "__eq result converted to boolean")
assert((truthy ~= truthy2) == false, "~= negates __eq")
-- Distinct tables whose metatable has no __eq (class instances) are unequal without a
-- call, until the metatable gains one.
local C = {}
C.__index = C
local c1, c2 = setmetatable({}, C), setmetatable({}, C)
assert(c1 ~= c2 and not (c1 == c2) and c1 == c1, "no __eq: identity")
C.__eq = function() eqcalls = eqcalls + 1; return true end
assert(c1 == c2 and eqcalls == 5, "__eq added to the metatable later")
assert(not (c1 ~= c2) and eqcalls == 6, "~= with the added __eq")
C.__eq = nil
assert(c1 ~= c2 and eqcalls == 6, "__eq removed again")

-- __lt and __le
local L = {}
L.__lt = function(x, y) return val(x) < val(y) end
L.__le = function(x, y) return val(x) <= val(y) end
local function num(x) return setmetatable({x = x}, L) end
assert(num(1) < num(2) and not (num(2) < num(1)), "__lt")
assert(num(1) <= num(1) and not (num(2) <= num(1)), "__le")
assert(num(2) > num(1) and num(2) >= num(2), "> and >= swap operands")
assert(num(1) < 5 and 0 < num(1), "__lt with mixed operands")
-- (whether __le falls back to 'not __lt(b, a)' depends on LUA_COMPAT_LT_LE, so it is not tested)
local res = setmetatable({}, {__lt = function() return 1 end}) < {}
assert(res == true, "__lt result converted to boolean")
assert(("a" < "b") and not ("b" < "a"), "strings still compare natively")

-- __call
local callee = setmetatable({}, {__call = function(self, x, y) return self, x, y end})
local s1, x1, y1 = callee(1, 2)
assert(s1 == callee and x1 == 1 and y1 == 2, "__call receives the object first")
local nested = setmetatable({}, {__call = callee})
local n1, n2, n3 = nested(9)
assert(n1 == callee and n2 == nested and n3 == 9, "__call chains through callable metamethod values")
ok, e = pcall(function() local notcallable = setmetatable({}, {}); notcallable() end)
assert(not ok and string.find(e, "attempt to call a table value (local 'notcallable')", 1, true), e)
assert(select("#", callee()) == 3, "all results of __call returned")
assert(pcall(callee) == true, "pcall of callable table")

-- __len on tables used by #
local withlen = setmetatable({1, 2, 3}, {__len = function() return 10 end})
assert(#withlen == 10, "__len overrides")
-- __len not used by ipairs or table functions using raw length? table.insert uses __len in 5.4
local logical = setmetatable({}, {__len = function() return 5 end})
table.insert(logical, "x")
assert(rawget(logical, 6) == "x", "table.insert respects __len")

-- __unm / __len on strings: numeric strings negate, length is raw
assert(-"2" == -2, "unary minus on numeric string")
assert(#"abc" == 3, "string length")

-- metamethods are looked up raw in the metatable (no __index on the metatable)
local mtbase = {__add = function() return "inherited" end}
local mtderived = setmetatable({}, {__index = mtbase})
local obj = setmetatable({}, mtderived)
ok = pcall(function() return obj + 1 end)
assert(not ok, "metamethods are not inherited through __index of the metatable")

-- metatable changes take effect immediately
local dyn = setmetatable({}, {})
getmetatable(dyn).__add = function() return "late add" end
assert(dyn + 1 == "late add", "metamethod added after setmetatable")
print("meta_ops OK")
