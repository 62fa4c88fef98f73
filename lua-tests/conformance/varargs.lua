-- Varargs, select, table.pack/unpack, multiple returns and adjustment.
local function err(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected error")
  return e
end

local function count(...) return select("#", ...) end
assert(count() == 0, "no args")
assert(count(nil) == 1, "one nil")
assert(count(nil, nil, nil) == 3, "three nils")
assert(count(1, nil) == 2, "trailing nil counted")

assert(select(2, "a", "b", "c") == "b", "select(2)")
local a, b = select(2, "a", "b", "c")
assert(a == "b" and b == "c", "select returns the rest")
assert(select(-1, "a", "b", "c") == "c", "select(-1)")
local x, y = select(-2, "a", "b", "c")
assert(x == "b" and y == "c", "select(-2)")
assert(select("#") == 0, "select('#') no args")
assert(count(select(4, 1, 2, 3)) == 0, "select past the end")
assert(string.find(err(select, 0, 1), "bad argument #1 to 'select' (index out of range)", 1, true), "select(0)")
assert(string.find(err(select, -4, 1, 2, 3), "bad argument #1 to 'select' (index out of range)", 1, true), "select too negative")
assert(string.find(err(select, "x"), "bad argument #1 to 'select' (number expected, got string)", 1, true), "select bad string")

-- ... in expressions
local function first(...) local f = ... return f end
assert(first(9, 8) == 9, "... adjusted to one value")
local function middle(...) return (...) end
assert(count(middle(1, 2, 3)) == 1, "(...) is one value")
local function pass(...) return ... end
assert(count(pass(1, nil, 3, nil)) == 4, "pass through keeps nils")
local function wrap(...) return {...} end
assert(#wrap(1, 2, 3) == 3, "{...}")
local function wrap2(...) return {..., "end"} end
local w = wrap2(1, 2, 3)
assert(w[1] == 1 and w[2] == "end" and w[3] == nil, "... truncated when not last")
local function mix(...) return 0, ... end
local m = {mix(1, 2)}
assert(#m == 3 and m[1] == 0 and m[3] == 2, "... at end of return list")
local function va_local(...)
  local p, q, r = ...
  return p, q, r
end
local p, q, r = va_local(1, 2)
assert(p == 1 and q == 2 and r == nil, "local list from ...")
local function named_and_va(a1, ...)
  return a1, select("#", ...)
end
local na, nc = named_and_va(1, 2, 3)
assert(na == 1 and nc == 2, "named params then varargs")
local function vararg_in_call(...) return count(...) + count(..., "x") end
assert(vararg_in_call(1, 2, 3) == 3 + 2, "... in middle of arg list is truncated")

-- table.pack / table.unpack
local pk = table.pack(1, nil, 3)
assert(pk.n == 3 and pk[1] == 1 and pk[2] == nil and pk[3] == 3, "pack with n")
assert(table.pack().n == 0, "pack of nothing")
assert(count(table.unpack({1, 2, 3})) == 3, "unpack all")
assert(count(table.unpack({1, 2, 3}, 2)) == 2, "unpack from 2")
local u1, u2 = table.unpack({1, 2, 3}, 2, 3)
assert(u1 == 2 and u2 == 3, "unpack range")
assert(count(table.unpack({}, 1, 3)) == 3, "unpack explicit range beyond length gives nils")
assert(count(table.unpack({1}, 3, 2)) == 0, "empty range")
assert(count(table.unpack(pk, 1, pk.n)) == 3, "unpack with n")
assert(string.find(err(table.unpack, {}, 1, 1e8), "too many results to unpack", 1, true), "unpack too many")
assert(count(table.unpack({}, math.maxinteger, math.maxinteger)) == 1, "unpack at maxinteger")

-- adjustment of multiple returns
local function three() return 1, 2, 3 end
local function none() end
local t = {three(), three()}
assert(#t == 4, "only last call expands in table")
assert(count(three(), three()) == 4, "only last call expands in args")
assert(count((three())) == 1, "parentheses truncate")
assert(count(none()) == 0, "none expands to nothing")
assert(count(none(), none()) == 1, "non-last none gives nil")
local v1, v2, v3, v4 = three()
assert(v1 == 1 and v3 == 3 and v4 == nil, "extra locals nil")
local s1 = three()
assert(s1 == 1, "single value")
assert(#{three(), nil} == 1, "call in the middle then nil")
assert(("x"):rep(three()) == "x", "method with multret args: rep('x', 1, 2, 3) uses 1 and sep 2")
assert(math.max(three()) == 3, "builtin with multret args")
assert(string.format("%d %d %d", three()) == "1 2 3", "format with expanded args")
-- returning a call returns all its values
local function retcall() return three() end
assert(count(retcall()) == 3, "return f() returns all")
local function retcall_paren() return (three()) end
assert(count(retcall_paren()) == 1, "return (f()) returns one")

-- many values
local many = {}
for i = 1, 250 do many[i] = i end
assert(count(table.unpack(many)) == 250, "250 values")
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + select(i, ...) end
  return s
end
assert(sum(table.unpack(many)) == 250 * 251 // 2, "sum of 250 varargs")
assert(select("#", table.unpack(many, 1, 10000)) == 10000, "10000 values on the stack")
print("varargs OK")
