-- Tracebacks keep the frames of Lua functions called from natives, with a "[C]" line for
-- each native, as lua5.4 prints them.

local function tb() return debug.traceback("tb", 1) end

do
  local out
  table.sort({3, 1, 2}, function(a, b)
    out = out or tb()
    return a < b
  end)
  print(out)
end

do
  local out
  string.gsub("x", "x", function() out = tb() end)
  print(out)
end

do
  package.preload["tbmod"] = function(name) return tb() end
  print(require("tbmod"))
end

do
  local function inner() error("boom") end
  local function outer() inner() end
  print(select(2, xpcall(outer, debug.traceback)))
end

do
  print(select(2, pcall(tb)))
end

do
  local function f(i)
    if i == 0 then error("dead") end
    f(i - 1)
  end
  local co = coroutine.create(function() f(2) end)
  print(coroutine.resume(co))
  print(debug.traceback(co))
  print(debug.traceback(co, "msg", 1))
  print(debug.getinfo(co, 0, "n").name, debug.getinfo(co, 1, "l").currentline)
end

do
  local co = coroutine.wrap(function()
    local t = setmetatable({}, {__index = function() return tb() end})
    return t.x
  end)
  print(co())
end
