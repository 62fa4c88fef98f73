-- Closures and upvalues, printed.
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
print(c1(), c1(), c2(), c1())
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local shared = {}
do
  local v = 0
  shared.inc = function() v = v + 1 end
  shared.get = function() return v end
end
shared.inc(); shared.inc()
print(shared.get())
local acc = {}
local k = 1
while k <= 3 do
  local j = k * 10
  acc[k] = function() j = j + 1; return j end
  k = k + 1
end
print(acc[1](), acc[1](), acc[2](), acc[3]())
local function tail(n) if n == 0 then return "tail done" end return tail(n - 1) end
print(tail(100000))
print(pcall(function() local function r() return 1 + r() end return r() end) == false)
