-- assert's results are its arguments (a passing call is done by the executor without
-- entering the native); a failing one raises its message, as lua5.4 does.
print(assert(1, 2, 3))
print(select('#', assert(true)))
print(select('#', assert(true, nil, nil)))
local a, b, c, d = assert("x", nil)
print(a, b, c, d)
print(pcall(assert, false, "m"))
print(pcall(assert, nil))
print(pcall(assert))
print(select(2, pcall(assert, false, {1})) ~= nil)
local function f(...) return assert(...) end
print(f(1, nil, 3))
print(({assert(1, 2, 3)})[3], #{assert(1, 2, 3)})
print(({assert(4, 5)})[2], ({assert(4)})[2])
local co = coroutine.wrap(function(...) return assert(...) end)
print(co(7, 8))
print(pcall(function() local x = assert(false, "boom") end))
print(pcall(function() assert(1 == 2, 42) end))
print(pcall(function() assert(nil, "at level 1") end))
local t = setmetatable({}, {__call = function(_, ...) return assert(...) end})
print(t(9, 10))
print(string.format("%s|%s", assert("s", "extra")))
-- In a loop, mixed with other work in the registers around the call.
local sum = 0
for i = 1, 1000 do
  local x, y = assert(i, i * 2)
  sum = sum + x + y + select('#', assert(i, nil))
end
print(sum)
-- Under a call hook the native runs as an ordinary call.
local calls = 0
debug.sethook(function() calls = calls + 1 end, "c")
print(assert(5, 6))
debug.sethook()
print(calls > 0)
