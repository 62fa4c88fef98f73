-- Results of functions called by pcall/xpcall returning normally, in every shape the
-- caller can want them: fixed counts above and below what is returned, all of them,
-- none; vararg callees, __call objects, nested pcalls, coroutines, to-be-closed
-- variables in the callee, and a hook watching the returns.
local function none() end
local function one(x) return x end
local function three(a) return a, a + 1, a + 2 end
local function many(...) return ... end
local function show(...) return select("#", ...), ... end

print(show(pcall(none)))
print(show(pcall(one, 5)))
print(show(pcall(three, 10)))
print(show(pcall(many, 1, nil, 3, nil)))
print(show(xpcall(three, print, 7)))

local ok, a, b, c, d, e = pcall(three, 1)
print(ok, a, b, c, d, e)
local ok2 = pcall(three, 1)
print(ok2)
local ok3, x = pcall(none)
print(ok3, x)
pcall(one, 1) -- results dropped

local t = { pcall(many, "a", "b") }
print(#t, t[1], t[2], t[3])
print((pcall(three, 3)))

-- A callable table, and a method.
local callable = setmetatable({}, { __call = function(self, v) return v * 2, self ~= nil end })
print(pcall(callable, 21))
local obj = { n = 4 }
function obj:get(k) return self.n * k end
print(pcall(obj.get, obj, 3))

-- Nested pcalls, and pcall returning pcall's results.
print(pcall(pcall, three, 100))
print(pcall(function() return pcall(one, "inner") end))
local function depth(n)
  if n == 0 then return "bottom" end
  local ok, v = pcall(depth, n - 1)
  return v .. "." .. tostring(ok)
end
print(depth(5))

-- Inside a coroutine, around a yield.
local co = coroutine.wrap(function(a)
  local ok, v = pcall(function(x) return coroutine.yield(x + 1) * 2 end, a)
  return ok, v
end)
print(co(1))
print(co(10))

-- To-be-closed variables in the callee close before pcall returns.
local log = {}
local function closing()
  local h <close> = setmetatable({}, { __close = function() log[#log + 1] = "closed" end })
  return "value", 2
end
print(pcall(closing))
print(log[1])

-- With a hook on returns, the results are the same.
local returns = 0
debug.sethook(function() returns = returns + 1 end, "r")
local r = { pcall(three, 50) }
debug.sethook()
print(#r, r[1], r[2], r[4], returns > 0)

-- Errors still come back as false and the message.
print(pcall(function() error("boom", 0) end))
print(pcall(error))
local s = 0
for i = 1, 1000 do
  local ok, v, w = pcall(three, i)
  if ok then s = s + v + w end
end
print(s)
