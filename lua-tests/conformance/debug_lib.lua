-- The debug library: traceback, getinfo, getlocal/setlocal, upvalues, metatables,
-- user values and the registry (hooks are not covered).

local function check_error(pattern, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(string.find(e, pattern, 1, true), e)
end

-- traceback -----------------------------------------------------------------------------

local function lines_of(s)
  local t = {}
  for l in string.gmatch(s, "[^\n]+") do t[#t + 1] = l end
  return t
end

local tb = debug.traceback("msg")
local tl = lines_of(tb)
assert(tl[1] == "msg" and tl[2] == "stack traceback:", tb)
assert(tl[3] == "\tdebug_lib.lua:18: in main chunk", tb)
assert(tl[4] == "\t[C]: in ?" and tl[5] == nil, tb)

assert(debug.traceback() == "stack traceback:\n\tdebug_lib.lua:24: in main chunk\n\t[C]: in ?")
-- level 0 is traceback itself
assert(lines_of(debug.traceback("x", 0))[3] == "\t[C]: in function 'debug.traceback'")
-- a number message is converted; other non-strings come back untouched
assert(lines_of(debug.traceback(12))[1] == "12")
local msg_table = {}
assert(debug.traceback(msg_table) == msg_table)
assert(debug.traceback(true) == true)
assert(debug.traceback(nil) == debug.traceback())

-- natives between Lua frames are levels of their own
local function in_pcall() return debug.traceback() end
local _, ptb = pcall(in_pcall)
tl = lines_of(ptb)
assert(tl[2] == "\tdebug_lib.lua:35: in function <debug_lib.lua:35>", ptb)
assert(tl[3] == "\t[C]: in function 'pcall'", ptb)
assert(tl[4] == "\tdebug_lib.lua:36: in main chunk", ptb)

local sorted_tb
table.sort({2, 1}, function(a, b)
  sorted_tb = sorted_tb or debug.traceback()
  return a < b
end)
tl = lines_of(sorted_tb)
assert(tl[2] == "\tdebug_lib.lua:44: in function <debug_lib.lua:43>", sorted_tb)
assert(tl[3] == "\t[C]: in function 'table.sort'", sorted_tb)

-- as an xpcall handler: the error point is level 1
local ok, e = xpcall(function() local x = nil; x() end, debug.traceback)
tl = lines_of(e)
assert(not ok and tl[1] == "debug_lib.lua:52: attempt to call a nil value (local 'x')", e)
assert(tl[3] == "\tdebug_lib.lua:52: in function <debug_lib.lua:52>", e)
assert(tl[4] == "\t[C]: in function 'xpcall'", e)
ok, e = xpcall(function() error("boom") end, debug.traceback)
tl = lines_of(e)
assert(tl[1] == "debug_lib.lua:57: boom" and tl[3] == "\t[C]: in function 'error'", e)

-- tail calls and deep stacks
local function tail(n)
  if n == 0 then return debug.traceback() end
  return tail(n - 1)
end
tl = lines_of(tail(2))
assert(tl[2] == "\tdebug_lib.lua:63: in function <debug_lib.lua:62>", tl[2])
assert(tl[3] == "\t(...tail calls...)", tl[3])

local function deep(n)
  if n == 0 then return debug.traceback() end
  return (deep(n - 1))
end
tl = lines_of(deep(40))
assert(#tl == 1 + 10 + 1 + 11, #tl)
assert(tl[12] == "\t...\t(skipping 21 levels)", tl[12])
assert(tl[2] == "\tdebug_lib.lua:71: in upvalue 'deep'", tl[2])
assert(tl[#tl] == "\t[C]: in ?")

-- a suspended coroutine: level 0 is the pending yield
local co = coroutine.create(function(a)
  local inside = a * 2
  coroutine.yield(inside)
end)
assert(debug.traceback(co) == "stack traceback:")
coroutine.resume(co, 21)
assert(debug.traceback(co) ==
  "stack traceback:\n\t[C]: in function 'coroutine.yield'\n\tdebug_lib.lua:83: in function <debug_lib.lua:81>")
assert(debug.traceback(co, "m", 1) == "m\nstack traceback:\n\tdebug_lib.lua:83: in function <debug_lib.lua:81>")

-- getinfo -----------------------------------------------------------------------------

local function sample(a, b, ...)
  local up = msg_table
  return a
end

local info = debug.getinfo(sample)
assert(info.source == "@debug_lib.lua" and info.short_src == "debug_lib.lua")
assert(info.what == "Lua" and info.linedefined == 93 and info.lastlinedefined == 96)
assert(info.currentline == -1 and info.istailcall == false)
assert(info.nups == 1 and info.nparams == 2 and info.isvararg == true)
assert(info.func == sample and info.name == nil and info.namewhat == "")
assert(info.ftransfer == 0 and info.ntransfer == 0)
assert(info.activelines == nil)

info = debug.getinfo(sample, "L")
local active = {}
for l in pairs(info.activelines) do active[#active + 1] = l end
table.sort(active)
assert(table.concat(active, ",") == "94,95,96", table.concat(active, ","))
assert(info.source == nil and info.func == nil)

local captured_param = function(p)
  return function() return p end
end
info = debug.getinfo(captured_param, "SL")
assert(info.activelines[info.linedefined + 1] and not info.activelines[info.linedefined])

info = debug.getinfo(print)
assert(info.what == "C" and info.source == "=[C]" and info.short_src == "[C]")
assert(info.linedefined == -1 and info.lastlinedefined == -1 and info.currentline == -1)
assert(info.nparams == 0 and info.isvararg == true and info.func == print)
assert(debug.getinfo(print, "L").activelines == nil)

info = debug.getinfo(1)
assert(info.what == "main" and info.currentline == 126 and info.linedefined == 0)
assert(info.isvararg == true and info.func ~= nil)
-- level 0 is getinfo itself, levels past the stack give nil
assert(debug.getinfo(0, "f").func == debug.getinfo)
assert(debug.getinfo(2, "S").what == "C")
assert(debug.getinfo(3) == nil and debug.getinfo(100) == nil and debug.getinfo(-1) == nil)

local function level_whats()
  local t, i = {}, 1
  while true do
    local li = debug.getinfo(i, "Sl")
    if not li then break end
    t[#t + 1] = li.what .. ":" .. li.currentline
    i = i + 1
  end
  return table.concat(t, " ")
end
assert(level_whats() == "Lua:137 main:144 C:-1", level_whats())
local _, via_pcall = pcall(level_whats)
assert(via_pcall == "Lua:137 C:-1 main:145 C:-1", via_pcall)

local function tailcalled() return debug.getinfo(1, "t").istailcall end
local function tailcaller() return tailcalled() end
assert(tailcaller() == true)
assert(debug.getinfo(1, "t").istailcall == false)

info = load("return debug.getinfo(1, 'S')", "=custom")()
assert(info.source == "=custom" and info.short_src == "custom" and info.what == "main")
info = load("return debug.getinfo(1, 'S')")()
assert(info.short_src == '[string "return debug.getinfo(1, \'S\')"]', info.short_src)

check_error("bad argument #2 to 'getinfo' (invalid option)", function() return debug.getinfo(1, "X") end)
check_error("bad argument #2 to 'getinfo' (invalid option '>')", function() return debug.getinfo(1, ">S") end)
check_error("bad argument #1 to 'getinfo' (number expected, got table)", function() return debug.getinfo({}) end)
assert(debug.getinfo(co, 0, "S").what == "C")
assert(debug.getinfo(co, 1, "l").currentline == 83)
assert(debug.getinfo(co, 2) == nil)

-- getlocal / setlocal -----------------------------------------------------------------

local function locals_of(level)
  local t, i = {}, 1
  while true do
    local name, value = debug.getlocal(level + 1, i)
    if not name then break end
    if name:sub(1, 1) ~= "(" then t[#t + 1] = name .. "=" .. tostring(value) end
    i = i + 1
  end
  return table.concat(t, " ")
end

local function varargs(a, b, ...)
  local x = 10
  local keep = function() return x end
  do
    local inner = "i"
    assert(locals_of(1) == "a=1 b=2 x=10 keep=" .. tostring(keep) .. " inner=i", locals_of(1))
  end
  local last = a
  assert(locals_of(1) == "a=1 b=2 x=10 keep=" .. tostring(keep) .. " last=1", locals_of(1))
  assert(select(2, debug.getlocal(1, -1)) == "v1" and debug.getlocal(1, -1) == "(vararg)")
  assert(select(2, debug.getlocal(1, -2)) == "v2")
  assert(debug.getlocal(1, -3) == nil)
  -- setlocal on a register local, a captured local and a vararg
  assert(debug.setlocal(1, 1, "A") == "a" and a == "A")
  assert(debug.setlocal(1, 3, 99) == "x" and x == 99 and keep() == 99)
  assert(debug.setlocal(1, -1, "V") == "(vararg)" and ... == "V")
  assert(debug.setlocal(1, 50, 0) == nil)
  return last
end
varargs(1, 2, "v1", "v2")

local function temporaries()
  local only = 1
  -- registers in use above the locals (here: 'select') are temporaries
  return (select(1, debug.getlocal(1, 2)))
end
assert(temporaries() == "(temporary)")

-- level 0 is getlocal itself: its arguments are "(C temporary)" values
local cn, cv = debug.getlocal(0, 1)
assert(cn == "(C temporary)" and cv == 0)
assert(select(2, debug.getlocal(0, 2)) == 2 and debug.getlocal(0, 3) == nil)

-- parameter names of a function
assert(debug.getlocal(varargs, 1) == "a" and debug.getlocal(varargs, 2) == "b")
assert(debug.getlocal(varargs, 3) == nil and debug.getlocal(varargs, 0) == nil)
assert(debug.getlocal(captured_param, 1) == "p")
assert(debug.getlocal(print, 1) == nil)
assert(select("#", debug.getlocal(varargs, 1)) == 1)

-- for-loop control variables have lua5.4's names
for i = 1, 1 do
  local n1, v1 = debug.getlocal(1, 1)
  assert(n1 ~= nil)
  local names = {}
  local k = 1
  while true do
    local n = debug.getlocal(1, k)
    if not n then break end
    names[#names + 1] = n
    k = k + 1
  end
  assert(string.find(table.concat(names, ","), "(for state),(for state),(for state),i", 1, true))
end

-- locals of a suspended coroutine
assert(debug.getlocal(co, 1, 1) == "a" and select(2, debug.getlocal(co, 1, 1)) == 21)
assert(debug.getlocal(co, 1, 2) == "inside" and select(2, debug.getlocal(co, 1, 2)) == 42)
assert(debug.setlocal(co, 1, 2, 7) == "inside" and select(2, debug.getlocal(co, 1, 2)) == 7)
assert(debug.getlocal(co, 0, 1) == nil)

check_error("bad argument #1 to 'getlocal' (level out of range)", function() return debug.getlocal(50, 1) end)
check_error("bad argument #2 to 'getlocal' (level out of range)", function() return debug.getlocal(co, 5, 1) end)
check_error("bad argument #2 to 'getlocal' (number expected, got no value)", function() return debug.getlocal(1) end)
check_error("bad argument #1 to 'setlocal' (level out of range)", function() return debug.setlocal(50, 1, 1) end)
check_error("bad argument #3 to 'setlocal' (value expected)", function() return debug.setlocal(1, 1) end)

-- upvalues ---------------------------------------------------------------------------

local u1, u2 = 1, 2
local function both() return u1 + u2 end
local function second() return u2 end
local n, v = debug.getupvalue(both, 1)
assert(n == "u1" and v == 1)
assert(debug.getupvalue(both, 2) == "u2")
assert(select("#", debug.getupvalue(both, 3)) == 0)
assert(select("#", debug.getupvalue(both, 0)) == 0)
assert(debug.setupvalue(both, 1, 40) == "u1" and u1 == 40 and both() == 42)
assert(select("#", debug.setupvalue(both, 9, 0)) == 0)
-- natives' upvalues have empty names
local gm = string.gmatch("x", "x")
assert(debug.getupvalue(gm, 1) == "")

assert(type(debug.upvalueid(both, 1)) == "userdata")
assert(debug.upvalueid(both, 2) == debug.upvalueid(second, 1))
assert(debug.upvalueid(both, 1) ~= debug.upvalueid(second, 1))
assert(debug.upvalueid(both, 3) == nil)
assert(debug.upvalueid(gm, 1) ~= nil)

debug.upvaluejoin(second, 1, both, 1)
assert(second() == 40 and debug.upvalueid(second, 1) == debug.upvalueid(both, 1))
u1 = 5
assert(second() == 5)

check_error("bad argument #1 to 'getupvalue' (function expected, got number)", function() return debug.getupvalue(1, 1) end)
check_error("bad argument #2 to 'getupvalue' (number expected, got no value)", function() return debug.getupvalue(print) end)
check_error("bad argument #2 to 'upvaluejoin' (invalid upvalue index)", function() debug.upvaluejoin(both, 5, second, 1) end)
check_error("bad argument #1 to 'upvaluejoin' (Lua function expected)", function() debug.upvaluejoin(gm, 1, both, 1) end)
check_error("bad argument #3 to 'upvaluejoin' (Lua function expected)", function() debug.upvaluejoin(both, 1, gm, 1) end)

-- metatables, user values, registry ---------------------------------------------------

assert(debug.getmetatable("s").__index == string)
assert(debug.getmetatable({}) == nil and debug.getmetatable(1) == nil)
local real_mt = {__metatable = "protected"}
local guarded = setmetatable({}, real_mt)
assert(getmetatable(guarded) == "protected" and debug.getmetatable(guarded) == real_mt)
assert(debug.setmetatable(guarded, nil) == guarded and getmetatable(guarded) == nil)
local plain = {}
assert(debug.setmetatable(plain, {__index = function() return "dflt" end}) == plain)
assert(plain.anything == "dflt")

local string_mt = debug.getmetatable("")
debug.setmetatable("", {__index = {shout = function(s) return string.upper(s) .. "!" end}})
assert(("hi"):shout() == "HI!")
debug.setmetatable("", string_mt)
assert(("ab"):rep(2) == "abab")

check_error("bad argument #2 to 'setmetatable' (nil or table expected, got no value)", function() debug.setmetatable({}) end)
check_error("bad argument #1 to 'getmetatable' (value expected)", function() debug.getmetatable() end)

assert(debug.getuservalue(1) == nil)
assert(debug.getuservalue(io.stdout) == nil and select("#", debug.getuservalue(io.stdout)) == 1)
assert(debug.setuservalue(io.stdout, 1) == nil)
check_error("bad argument #1 to 'setuservalue' (userdata expected, got number)", function() debug.setuservalue(1, 2) end)

local reg = debug.getregistry()
assert(type(reg) == "table" and reg == debug.getregistry())
assert(reg._LOADED == package.loaded and package.loaded.debug == debug)

-- debug.setcstacklimit (deprecated in 5.4) changes nothing and returns the fixed limit.
assert(debug.setcstacklimit(100) == 200 and debug.setcstacklimit(1000) == 200)
assert(not pcall(debug.setcstacklimit, 1.5) and not pcall(debug.setcstacklimit))

-- package.loadlib exists; no C library can be loaded, as in a lua5.4 built without them.
local lib, msg, kind = package.loadlib("libnothing.so", "luaopen_nothing")
assert(lib == nil and kind == "absent" and msg:find("dynamic libraries not enabled", 1, true))
assert(not pcall(package.loadlib, "x") and not pcall(package.loadlib))

print("debug_lib OK")
