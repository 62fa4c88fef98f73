-- debug.getinfo's 'n' (name/namewhat from the call site) and call-site names in tracebacks.
local function show(i) return tostring(i.namewhat) .. ":" .. tostring(i.name) end
function gf() return show(debug.getinfo(1, "n")) end
local function lf() return show(debug.getinfo(1, "n")) end
local t = {m = function(self) return show(debug.getinfo(1, "n")) end, f = function() return show(debug.getinfo(1, "n")) end}
print(gf(), lf(), t:m(), t.f())
print(show(debug.getinfo(1, "n")))
print(show(debug.getinfo(print, "n")))
local mt = setmetatable({}, {__index = function() return show(debug.getinfo(1, "n")) end, __add = function() return show(debug.getinfo(1, "n")) end})
print(mt.x, mt + 1)
for s in function() return show(debug.getinfo(1, "n")) end do print(s) break end
local function outer() return show(debug.getinfo(2, "n")) end
local function caller() local r = outer() return r end
print(caller())
local function tail() return gf() end
print(tail())
print(pcall(function() return show(debug.getinfo(2, "n")) end))
print(show(debug.getinfo(0, "n")))
local co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
print(show(debug.getinfo(co, 0, "n")), show(debug.getinfo(co, 1, "n")))
print((select(2, pcall(error))))
print(debug.traceback("msg", 1))
local f = string.rep
print(pcall(function() local t = setmetatable({}, {__index = function(t, k) return debug.traceback("tb") end}) return t.x end))

-- Every level has a function, the host's below the main chunk too (a C function without
-- upvalues, as lua.c's in lua5.4); past it there is no level.
local depth = 1
while debug.getinfo(depth + 1, "S") do depth = depth + 1 end
local bottom = debug.getinfo(depth, "fSlu")
print("bottom", bottom.what, bottom.short_src, type(bottom.func), bottom.currentline, bottom.nups)
print("no upvalues", select("#", debug.getupvalue(bottom.func, 1)))
print("past the bottom", debug.getinfo(depth + 1))
