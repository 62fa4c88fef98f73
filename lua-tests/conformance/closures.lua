-- Closures and upvalues.

-- counters keep independent state
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
assert(c1() == 1 and c1() == 2 and c2() == 1 and c1() == 3, "independent counters")

-- closures created together share the upvalue
local function pair()
  local v = 0
  local function get() return v end
  local function set(x) v = x end
  return get, set
end
local get, set = pair()
set(42)
assert(get() == 42, "shared upvalue between closures")
local get2 = pair()
assert(get2() == 0, "separate instance")

-- closure sees later modification of the enclosing local
local x = 1
local function readx() return x end
x = 2
assert(readx() == 2, "upvalue is a reference, not a copy")
-- and modifications through the closure are visible outside
local function incx() x = x + 10 end
incx()
assert(x == 12, "write through upvalue")

-- nested closures: upvalue of upvalue
local function outer()
  local a = 1
  return function()
    local b = 2
    return function()
      a = a + 1
      return a + b
    end
  end
end
local mid = outer()
local f1, f2 = mid(), mid()
assert(f1() == 4 and f2() == 5, "deep upvalue shared by both inner closures")

-- per-iteration fresh locals in loops
local fs = {}
for i = 1, 5 do fs[i] = function() return i end end
assert(fs[1]() == 1 and fs[5]() == 5, "numeric for fresh variable")
fs = {}
local j = 0
while j < 3 do
  j = j + 1
  local k = j
  fs[j] = function() k = k + 100; return k end
end
assert(fs[1]() == 101 and fs[1]() == 201 and fs[2]() == 102, "while body locals are fresh each iteration")
fs = {}
local idx = 0
repeat
  idx = idx + 1
  local captured = idx * 2
  fs[idx] = function() return captured end
until idx == 3
assert(fs[1]() == 2 and fs[3]() == 6, "repeat body locals fresh")

-- closure in loop sharing a variable declared outside the loop
local shared = 0
fs = {}
for i = 1, 3 do fs[i] = function() shared = shared + i; return shared end end
assert(fs[1]() == 1 and fs[3]() == 4 and fs[2]() == 6, "outer variable shared by all")

-- upvalues survive after the declaring function returns
local function make_acc(start)
  local total = start
  return {
    add = function(v) total = total + v end,
    get = function() return total end,
  }
end
local acc = make_acc(10)
acc.add(5); acc.add(7)
assert(acc.get() == 22, "accumulator")

-- upvalues closed when a block ends (not only at function return)
local getters = {}
do
  local blockvar = "first"
  getters[1] = function() return blockvar end
  blockvar = "second"
end
assert(getters[1]() == "second", "block variable captured after last assignment")

-- recursion through an upvalue
local function fib_maker()
  local fib
  fib = function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
  return fib
end
assert(fib_maker()(20) == 6765, "recursive closure")

-- parameters are locals that can be captured
local function capture_param(p)
  return function() p = p * 2; return p end
end
local cp = capture_param(3)
assert(cp() == 6 and cp() == 12, "captured parameter")

-- varargs are not captured directly, but tables of them are
local function capture_va(...)
  local args = {...}
  return function() return #args, args[1] end
end
local n, first = capture_va("a", "b")()
assert(n == 2 and first == "a", "captured vararg table")

-- many upvalues
local u1, u2, u3, u4, u5, u6, u7, u8 = 1, 2, 3, 4, 5, 6, 7, 8
local function sum8() return u1 + u2 + u3 + u4 + u5 + u6 + u7 + u8 end
assert(sum8() == 36, "many upvalues")

-- function identity: each evaluation of a function expression creates a new closure
local made = {}
for i = 1, 2 do made[i] = function() end end
assert(made[1] ~= made[2], "distinct closures")
assert(type(made[1]) == "function", "type function")

-- closures as object methods with private state
local function Stack()
  local items = {}
  local self = {}
  function self.push(v) items[#items + 1] = v end
  function self.pop() local v = items[#items]; items[#items] = nil; return v end
  function self.size() return #items end
  return self
end
local st = Stack()
st.push(1); st.push(2)
assert(st.pop() == 2 and st.size() == 1, "private state")
print("closures OK")
