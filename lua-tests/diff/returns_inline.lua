-- Returns of several values into Lua callers, which the executor places on a short path:
-- cut to what the caller wants, padded with nil, or all of them; generic-for iterators
-- returning fewer or more values than the loop has variables; to-be-closed variables.

local function r0() return end
local function r2(x) return x, x + 1 end
local function r3(x) return x, x * 2, x * 3 end
local function pass(...) return ... end

-- Wanted counts against returned counts.
local a, b = r3(1)
print(a, b)
local c, d, e, f, g = r2(5)
print(c, d, e, f, g)
local h, i = r0()
print(h, i)
local j = r3(7)
print(j)
print(r3(2))
print(r2(1), r3(10))
print((r3(4)))
print(select('#', r3(1)), select('#', pass(r2(1))), select('#', pass()))
local t = { r3(1), r3(5) }
print(#t, t[1], t[2], t[3], t[4])

-- A caller with many registers wants more values than a small callee's window holds.
local function wide()
  local x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18,
    x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29, x30 = r2(1)
  return x1, x2, x3, x29, x30
end
print(wide())

-- The same after an error caught by pcall left the stack shorter.
local function wide_after_error()
  local ok = pcall(error, "x")
  local y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15, y16, y17, y18,
    y19, y20, y21, y22, y23, y24, y25, y26, y27, y28, y29, y30, y31, y32, y33, y34, y35 = r3(2)
  return ok, y1, y2, y3, y4, y35
end
print(wide_after_error())

-- Deep recursion returning two values at every level.
local function divmod_sum(n)
  if n == 0 then return 0, 0 end
  local s, c = divmod_sum(n - 1)
  return s + n, c + 1
end
print(divmod_sum(10000))

-- Generic for with a Lua iterator returning 0..3 values for 1..3 loop variables.
local function iter3(n)
  local k = 0
  return function()
    k = k + 1
    if k <= n then return k, k * 10, k * 100 end
  end
end
for x in iter3(2) do print("1 var", x) end
for x, y in iter3(2) do print("2 vars", x, y) end
for x, y, z in iter3(2) do print("3 vars", x, y, z) end
local function iter1(n)
  local k = 0
  return function()
    k = k + 1
    if k <= n then return k end
  end
end
for x, y, z in iter1(2) do print("short", x, y, z) end

-- Stateless iterator returning three values (as ipairs with a neighbour).
local function step(arr, k)
  k = k + 1
  if arr[k + 1] ~= nil then return k, arr[k], arr[k + 1] end
end
for k, u, v in step, { "a", "b", "c" }, 0 do print(k, u, v) end

-- Returning from a vararg function, and a method returning several values.
local function va(...)
  local n = select('#', ...)
  return n, ...
end
local n1, v1, v2, v3 = va("p", "q")
print(n1, v1, v2, v3)
local obj = { v = 3 }
function obj:pair() return self.v, self.v + 1 end
local p, q, r = obj:pair()
print(p, q, r)

-- Open results through several levels.
local function open2() return r2(20) end
local function open3() return 1, open2() end
print(open3())
print(select('#', open3()))

-- To-be-closed variables close before the values reach the caller.
local function closing()
  local res <close> = setmetatable({}, { __close = function() print("closed") end })
  return "v1", "v2", "v3"
end
local c1, c2 = closing()
print(c1, c2)

-- A return hook sees the values; the results are unchanged.
local seen = 0
debug.sethook(function(ev) if ev == "return" then seen = seen + 1 end end, "r")
local h1, h2, h3 = r3(3)
debug.sethook()
print(h1, h2, h3, seen > 0)

-- Tracebacks and getinfo after many returns of several values.
local function level2() return debug.getinfo(1, "n").name, debug.traceback("tb", 1) end
local function level1() local nm, tb = level2(); return nm, tb end
local nm, tb = level1()
print(nm, (tb:gsub("\n.*", "")))
