-- Call and return events of natives that return through a frame or a thread switch
-- (pcall, xpcall, coroutine.resume/wrap/yield, pairs with __pairs), around errors, tail
-- calls and dead coroutines; getinfo(2, "r") of the hooked function (C functions' ftransfer
-- depends on the C stack layout, so only Lua ones are printed).
local out = {}
local function hook(e)
  local i = debug.getinfo(2, 'nSr')
  out[#out + 1] = string.format('%s %s %s %s %d', e, tostring(i.name), i.what, i.what == 'C' and '-' or i.ftransfer, i.ntransfer)
end
local function f(...) return ... end
local function g() error("x") end
local function tail(...) return f(...) end
local function tailpcall(...) return pcall(f, ...) end
local co = coroutine.create(function(a)
  debug.sethook(hook, 'cr')
  local b = coroutine.yield(a, 1)
  local ok, c = pcall(coroutine.yield, b)
  return c, 5
end)
debug.sethook(hook, 'cr')
pcall(f, 1, 2)
pcall(g)
xpcall(g, function(m) return m end)
xpcall(f, print, 2)
coroutine.resume(co, 1)
coroutine.resume(co, 2)
coroutine.resume(co, 3)
coroutine.resume(co, 4)
print(pcall(coroutine.resume, co))
local w = coroutine.wrap(function() coroutine.yield(1) end)
w() w()
pcall(w)
tail(1, 2)
tailpcall(3)
local t = setmetatable({}, {__pairs = function(t) return next, t, nil end})
for k in pairs(t) do end
for k in pairs({}) do end
local bad = coroutine.create(function() error("boom") end)
coroutine.resume(bad)
print(select('#', pcall(error)))
debug.sethook()
for _, l in ipairs(out) do print(l) end
print("coroutine hooks")
local co2 = coroutine.create(function()
  local r = {}
  debug.sethook(function(e) r[#r+1] = e .. ' ' .. tostring(debug.getinfo(2, 'n').name) end, 'r')
  coroutine.yield()
  coroutine.yield()
  debug.sethook()
  return r
end)
coroutine.resume(co2) coroutine.resume(co2)
local _, r = coroutine.resume(co2)
for _, l in ipairs(r) do print(l) end
