-- Function calls: tail calls, deep recursion, stack overflow, method calls.

-- proper tail calls do not grow the stack
local function loop(n) if n == 0 then return "done" end return loop(n - 1) end
assert(loop(200000) == "done", "deep tail recursion")
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
assert(is_even(100001) == false and is_odd(100001) == true, "mutual tail recursion")
local function acc(n, total) if n == 0 then return total end return acc(n - 1, total + n) end
assert(acc(100000, 0) == 5000050000, "tail call with accumulator")
-- tail call through a method and through varargs
local obj = {}
function obj:count(n) if n == 0 then return self end return self:count(n - 1) end
assert(obj:count(150000) == obj, "tail method call")
local function va_loop(n, ...) if n == 0 then return select("#", ...) end return va_loop(n - 1, ...) end
assert(va_loop(100000, 1, 2, 3) == 3, "tail call passing varargs")
-- tail call to a callable table
local callable = setmetatable({}, {__call = function(_, n) return n * 2 end})
local function tail_to_callable(n) return callable(n) end
assert(tail_to_callable(21) == 42, "tail call to __call")
-- tail call to a C function
local function tail_c(s) return string.upper(s) end
assert(tail_c("abc") == "ABC", "tail call to builtin")
-- tail calls return all results
local function multi() return 1, 2, 3 end
local function tail_multi() return multi() end
assert(select("#", tail_multi()) == 3, "tail call returns all values")

-- non-tail recursion of moderate depth works
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
assert(depth(10000) == 10000, "10000 deep non-tail recursion")
local function build(n) if n == 0 then return {} end return {next = build(n - 1)} end
local list, len = build(5000), 0
while list.next do len = len + 1; list = list.next end
assert(len == 5000, "recursive construction")

-- unbounded recursion is a catchable error
local function infinite(n) return 1 + infinite(n + 1) end
local ok, e = pcall(infinite, 1)
assert(not ok and type(e) == "string" and string.find(e, "stack overflow", 1, true), "stack overflow error: " .. tostring(e))
-- the interpreter is usable afterwards
assert(depth(1000) == 1000, "usable after stack overflow")
-- overflow through metamethods
local mt = {}
mt.__index = function(t, k) return t[k .. "x"] end
local deep = setmetatable({}, mt)
ok, e = pcall(function() return deep.a end)
assert(not ok and string.find(e, "C stack overflow", 1, true), "C stack overflow through __index: " .. tostring(e))
-- overflow in a coroutine is also catchable
local co = coroutine.create(function() return infinite(1) end)
local cok, ce = coroutine.resume(co)
assert(not cok and string.find(ce, "stack overflow", 1, true), "stack overflow inside coroutine")

-- call forms
local function id(...) return ... end
assert(id(1) == 1, "plain call")
assert(id "s" == "s", "string argument")
assert(id { 1 }[1] == 1, "table argument")
local t = {f = id, g = {h = id}}
assert(t.f(2) == 2 and t.g.h(3) == 3 and t["f"](4) == 4, "field calls")
local s = {v = 5}
function s:get() return self.v end
assert(s:get() == 5 and s.get(s) == 5 and s.get({v = 6}) == 6, "method call sugar")
assert(("abc"):upper() == "ABC", "method on string literal")
local str = "hello"
assert(str:len() == 5 and str:sub(2, 3) == "el", "method on string variable")
assert(#str:rep(2) == 10, "method call binds tighter than #")
-- extra arguments are dropped, missing are nil
local function two(a, b) return a, b end
local a1, b1 = two(1)
assert(a1 == 1 and b1 == nil, "missing argument is nil")
a1, b1 = two(1, 2, 3)
assert(a1 == 1 and b1 == 2, "extra argument dropped")
-- arguments are evaluated left to right
local order = {}
local function mark(v) order[#order + 1] = v; return v end
id(mark(1), mark(2), mark(3))
assert(table.concat(order) == "123", "argument order")

-- calling non-functions
ok, e = pcall(function() local x = 5; x() end)
assert(not ok and string.find(e, "attempt to call a number value (local 'x')", 1, true), e)
ok, e = pcall(function() undefined_global_fn() end)
assert(not ok and string.find(e, "attempt to call a nil value (global 'undefined_global_fn')", 1, true), e)
ok, e = pcall(function() local tt = {} tt.nope() end)
assert(not ok and string.find(e, "attempt to call a nil value (field 'nope')", 1, true), e)
ok, e = pcall(function() local tt = {} tt:meth() end)
assert(not ok and string.find(e, "attempt to call a nil value (method 'meth')", 1, true), e)
print("calls OK")
