-- Debug hooks: event sequences as lua5.4 reports them.

local function show(title, t)
  print(title .. ": " .. table.concat(t, " "))
end

-- call, return and line events of Lua functions, with line numbers
do
  local function add(a, b)
    local s = a + b
    return s
  end
  local t = {}
  debug.sethook(function(e, l)
    local info = debug.getinfo(2, "nS")
    t[#t + 1] = e .. (l and (":" .. l) or "") .. "(" .. tostring(info.name) .. ")"
  end, "crl")
  add(1, 2)
  debug.sethook()
  show("crl", t)
end

-- line events: loops, conditions spread over lines, multi-line expressions
do
  local function trace(src)
    local t = {}
    local f = assert(load(src))
    debug.sethook(function(_, l) t[#t + 1] = l end, "l")
    f()
    debug.sethook()
    show("lines", t)
  end
  trace("local a = 0\nfor i = 1, 3 do\n  a = a + i\nend\nreturn a\n")
  trace("local a = 1\nwhile a < 3 do\n  a = a + 1\nend\n")
  trace("local a = 1\nrepeat\n  a = a + 1\nuntil a == 3\n")
  trace("if\nmath.sin(1)\nthen\n  a = 1\nelse\n  a = 2\nend\n")
  trace("local b = {10}\nlocal a = b[1]\n +\n b[1]\nb = 4\n")
  trace("for i = 1, 3 do local x = i end")
  trace("local t = {}\nfor k, v in pairs({1, 2}) do\n  t[k] = v\nend\n")
  trace("do return end")
end

-- count hooks
do
  local n = 0
  debug.sethook(function(e) n = n + 1 end, "", 1)
  for i = 1, 100 do end
  debug.sethook()
  print("count 1", n > 100 and n < 112)
  n = 0
  debug.sethook(function(e) n = n + 1 end, "", 4000)
  for i = 1, 100 do end
  debug.sethook()
  print("count 4000", n)
  local events = {}
  debug.sethook(function(e, l) events[#events + 1] = e end, "", 3)
  local x = 1
  x = x + 1
  x = x + 1
  debug.sethook()
  print("count events", events[1], events[2])
end

-- gethook
do
  print("no hook", debug.gethook())
  local h = function() end
  debug.sethook(h, "lrc", 7)
  local f, m, c = debug.gethook()
  debug.sethook()
  print("gethook", f == h, m, c)
  debug.sethook(h, "", 0)
  print("empty mask", debug.gethook())
  print("hook key", getmetatable(debug.getregistry()._HOOKKEY).__mode)
end

-- tail calls, and natives in call/return events
do
  local function leaf(x) return x end
  local function mid(x) return leaf(x) end
  local function top(x) local r = mid(x) return r end
  local t = {}
  debug.sethook(function(e)
    local info = debug.getinfo(2, "nSt")
    t[#t + 1] = e .. "/" .. info.what .. (info.istailcall and "/tail" or "")
  end, "cr")
  top(1)
  math.abs(-1)
  debug.sethook()
  show("tail", t)
end

-- parameters and results of call and return events (getinfo 'r' and getlocal)
do
  local on, inp, out = false
  debug.sethook(function(e)
    if not on then return end
    local ar = debug.getinfo(2, "r")
    local vals = {}
    for i = ar.ftransfer, ar.ftransfer + ar.ntransfer - 1 do
      vals[#vals + 1] = tostring(select(2, debug.getlocal(2, i)))
    end
    if e == "return" then out = vals else inp = vals end
  end, "cr")
  on = true; select(2, 10, 20, 30); on = false
  show("select in", inp); show("select out", out)
  local function foo(a, ...) return ... end
  local function foo1() on = true; return foo(20, 10, 0) end
  foo1(); on = false
  show("foo in", inp); show("foo out", out)
  debug.sethook()
end

-- a hook is not called from inside a hook; a hook function is named 'hook'
do
  local depth, names = 0, {}
  debug.sethook(function()
    depth = depth + 1
    names[#names + 1] = debug.getinfo(1, "n").namewhat
    local x = 1
    x = x + 1
  end, "l")
  local y = 1
  debug.sethook()
  print("not recursive", depth, names[1])
end

-- coroutines have their own hooks
do
  local co = coroutine.create(function()
    coroutine.yield(10)
    return 20
  end)
  local t = {}
  debug.sethook(co, function(e) t[#t + 1] = e end, "clr")
  repeat until not coroutine.resume(co)
  show("coroutine", t)
  print("main has none", debug.gethook())
end

-- an error in a hook propagates
do
  local function g() return 1 end
  debug.sethook(function(e)
    if debug.getinfo(2, "f").func == g then error("in hook") end
  end, "c")
  local ok, err = pcall(g)
  debug.sethook()
  print("hook error", ok, (string.gsub(err, "^.-:%d+: ", "")))
end

-- locals of a returning function are visible in its return hook
do
  local seen
  local function f(a, b)
    local c = a + b
    return c
  end
  debug.sethook(function(e)
    if debug.getinfo(2, "n").name == "f" then
      seen = {}
      for i = 1, 3 do
        local n, v = debug.getlocal(2, i)
        seen[#seen + 1] = n .. "=" .. tostring(v)
      end
    end
  end, "r")
  f(3, 4)
  debug.sethook()
  show("return locals", seen)
end

-- code without line information: line events at entry (and jumps back), with no line
do
  local function foo()
    local a = 1
    for i = 1, 2 do a = a + i end
    return a
  end
  local s = load(string.dump(foo, true))
  local lines = {}
  debug.sethook(function(e, l) lines[#lines + 1] = tostring(l) end, "l")
  s()
  debug.sethook()
  show("stripped", lines)
end
