-- Call, return and line events (with getinfo(2) of the hooked function) over common
-- constructs: recursion through a field, loops of every kind (a generic for reports the line
-- of its `end` when it finishes), metamethods, methods, constructors, pcall, a wrapped
-- coroutine, goto.
local out = {}
local function hook(e, l)
  local i = debug.getinfo(2, "nSl")
  out[#out + 1] = e .. " " .. tostring(l) .. " " .. tostring(i.name) .. " " .. i.short_src .. ":" .. i.currentline
end
local M = {}
function M.fib(n) if n < 2 then return n end return M.fib(n - 1) + M.fib(n - 2) end
local function loop(t)
  local s = 0
  for i, v in ipairs(t) do
    if v % 2 == 0 then
      s = s + v
    elseif v > 3 then
      s = s - 1
    else
      s = s * 2
    end
  end
  while s > 10 do s = s // 2 end
  repeat s = s + 1 until s > 12
  return s
end
local obj = setmetatable({}, {__index = function(t, k) return k .. "!" end, __add = function(a, b) return 42 end})
debug.sethook(hook, "crl")
local r = M.fib(3)
local s = loop({1, 2, 3, 4, 5, 6})
local x = obj.foo
local y = obj + 1
local str = ("abc"):upper()
local t = {
  a = 1,
  b = r,
  c = s,
}
for k, v in pairs(t) do
  x = k
end
local ok, err = pcall(error, "e")
local co = coroutine.wrap(function(a)
  local b = coroutine.yield(a + 1)
  return b * 2
end)
co(1)
co(2)
goto done
::done::
debug.sethook()
for _, l in ipairs(out) do print(l) end
