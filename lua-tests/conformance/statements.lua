-- Control structures, goto/labels, local attributes, scoping, assignment.

-- if / elseif / else
local function classify(n)
  if n < 0 then return "neg" elseif n == 0 then return "zero" else return "pos" end
end
assert(classify(-1) == "neg" and classify(0) == "zero" and classify(5) == "pos", "if chain")
local r
if nil then r = 1 end
assert(r == nil, "nil is false")
if false then r = 1 elseif 0 then r = 2 end
assert(r == 2, "0 is true")

-- while / repeat / break
local i, sum = 0, 0
while i < 10 do i = i + 1; sum = sum + i end
assert(sum == 55, "while")
i = 0
while true do i = i + 1; if i == 5 then break end end
assert(i == 5, "break from while")
i = 0
repeat i = i + 1 until i >= 3
assert(i == 3, "repeat")
-- repeat's condition sees locals of the body
local n = 0
repeat local done = n >= 2; n = n + 1 until done
assert(n == 3, "repeat scope includes until expression")

-- goto and labels
i = 1
::top::
if i < 5 then i = i + 1; goto top end
assert(i == 5, "backward goto")
do
  goto skip
  error("not skipped")
  ::skip::
end
-- continue idiom
local odds = {}
for k = 1, 10 do
  if k % 2 == 0 then goto continue end
  odds[#odds + 1] = k
  ::continue::
end
assert(#odds == 5 and odds[5] == 9, "continue via goto")
-- nested loops: break out of both with goto
local found
for a = 1, 10 do
  for b = 1, 10 do
    if a * b == 42 then found = a .. "x" .. b; goto out end
  end
end
::out::
assert(found == "6x7", "goto out of nested loops")
-- goto into a label at end of block where a local was declared earlier is allowed
do
  local x = 1
  goto finish
  local y = 2 -- luacheck: ignore
  ::finish::
end
-- closures created in a goto loop get fresh locals
local fns = {}
do
  local k = 1
  ::again::
  local captured = k
  fns[k] = function() return captured end
  k = k + 1
  if k <= 3 then goto again end
end
assert(fns[1]() == 1 and fns[2]() == 2 and fns[3]() == 3, "fresh local per goto iteration")

-- goto errors are compile errors
local function compile_error(src, pat)
  local f, e = load(src)
  assert(f == nil, "expected compile error: " .. src)
  assert(string.find(e, pat, 1, true), "message for " .. src .. ": " .. e)
end
compile_error("goto nowhere", "no visible label 'nowhere' for <goto> at line 1")
compile_error("do ::a:: end goto a", "no visible label 'a' for <goto> at line 1")
compile_error("::a:: ::a::", "label 'a' already defined on line 1")
compile_error("goto f; local x; ::f:: print(x)", "<goto f> at line 1 jumps into the scope of local 'x'")
compile_error("break", "break outside loop at line 1")
compile_error("local x <const> = 1; x = 2", "attempt to assign to const variable 'x'")
compile_error("local x <foo> = 1", "unknown attribute 'foo'")
compile_error("local a <close>, b <close> = 1, 2", "multiple to-be-closed variables in local list")
compile_error("for i = 1, 2 do end; i = ", "unexpected symbol near <eof>")
compile_error("x = = 1", "unexpected symbol near '='")
compile_error("f(", "unexpected symbol near <eof>")
compile_error("local function end", "<name> expected near 'end'")
compile_error("if x then", "'end' expected near <eof>")
compile_error("return return", "unexpected symbol near 'return'")
compile_error("x = }", "unexpected symbol near '}'")

-- const locals
local K <const> = 10
local S <const> = "str"
assert(K * 2 == 20 and S .. "!" == "str!", "const locals are readable")
local function usesK() return K end
assert(usesK() == 10, "const captured as upvalue")

-- scoping and shadowing
local v = 1
do local v = 2; assert(v == 2, "inner shadows") end
assert(v == 1, "outer restored")
local v = v + 1 -- new local initialised from the old one
assert(v == 2, "local x = x")
local function rec(k) if k == 0 then return "done" end return rec(k - 1) end
assert(rec(3) == "done", "local function can recurse")
local fwd
local function useFwd() return fwd() end
fwd = function() return "late" end
assert(useFwd() == "late", "forward declared local")

-- multiple assignment
local a, b, c = 1, 2
assert(a == 1 and b == 2 and c == nil, "missing values are nil")
a, b = b, a
assert(a == 2 and b == 1, "swap")
local x, y = 1, 2, 3
assert(x == 1 and y == 2, "extra values dropped")
local function f3() return 1, 2, 3 end
local p, q, s, t = 0, f3()
assert(p == 0 and q == 1 and s == 2 and t == 3, "call expands at end of list")
p, q, s = f3(), 10
assert(p == 1 and q == 10 and s == nil, "call truncated in middle")

-- globals and _ENV
gv = 5
assert(_G.gv == 5 and _ENV.gv == 5, "globals live in _ENV")
do
  local _ENV = {assert = assert}
  newglobal = 1
  assert(newglobal == 1, "assignment goes to local _ENV")
end
assert(newglobal == nil, "real globals untouched")
local function withEnv()
  local _ENV = setmetatable({}, {__index = _G})
  z = 3
  return z, _G.z
end
local z1, z2 = withEnv()
assert(z1 == 3 and z2 == nil, "_ENV as upvalue-like local")

-- method definitions
local obj = {n = 0}
function obj.inc(self, d) self.n = self.n + (d or 1) return self end
function obj:dec(d) self.n = self.n - (d or 1) return self end
obj:inc(5):dec(2)
assert(obj.n == 3, "method call chain")
local nested = {a = {b = {}}}
function nested.a.b.f() return "nested function name" end
function nested.a.b:g() return self == nested.a.b end
assert(nested.a.b.f() == "nested function name" and nested.a.b:g(), "dotted function names")

-- string call sugar and table call sugar
local function id(x) return x end
assert(id"lit" == "lit" and id[[long]] == "long" and id{1}[1] == 1, "call sugar")
assert(("x"):rep(3) == "xxx", "method on parenthesised literal")
print("statements OK")
