-- When an error unwinds to a pcall, the erroring frames are discarded first and then the
-- pending __close handlers run as calls from pcall: innermost first, each getting the
-- current error, an error in a handler replacing it; they may yield.

local function closer(f) return setmetatable({}, {__close = f}) end
local function caller_name() return debug.getinfo(3, "n").name end

print(pcall(function ()
  local a <close> = closer(function (_, e) print("a", e, caller_name()) end)
  local function inner()
    local b <close> = closer(function (_, e) print("b", e, caller_name()); error("from b", 0) end)
    local c <close> = closer(function (_, e) print("c", e, caller_name()) end)
    error("original", 0)
  end
  inner()
end))

-- a non-string error value, and handlers that return values
local err = {}
local got
print(select('#', pcall(function ()
  local a <close> = closer(function (_, e) got = e; return 1, 2, 3 end)
  error(err)
end)), got == err)

-- xpcall: the message handler also sees errors raised by __close handlers
print(xpcall(function ()
  local a <close> = closer(function (_, e) print("a", e); error("A", 0) end)
  local b <close> = closer(function (_, e) print("b", e); error("B", 0) end)
  error("orig", 0)
end, function (m) return "H(" .. tostring(m) .. ")" end))

-- a metamethod removed after the variable was declared is called as nil
local mt = {__close = function () end}
print(pcall(function ()
  local c <close> = setmetatable({}, mt)
  mt.__close = nil
  error("orig", 0)
end))

-- variables below the pcall are not closed by its error
do
  local outer <close> = closer(function (_, e) print("outer closed with", e) end)
  print(pcall(error, "inside", 0))
  print("after pcall")
end

-- an error from a __close handler while returning normally
print(pcall(function ()
  local x <close> = closer(function (_, e) print("x", e) end)
  local y <close> = closer(function (_, e) print("y", e); error("y failed", 0) end)
  return "unreached"
end))

-- handlers yield after an error (Lua and native handlers)
local co = coroutine.wrap(function ()
  local r = table.pack(pcall(function ()
    local x <close> = closer(function (_, e)
      local v = coroutine.yield("x closing", e)
      print("x resumed with", v)
    end)
    local y <close> = setmetatable({}, {__close = coroutine.yield})
    local z <close> = closer(function (_, e)
      coroutine.yield("z closing", e)
      error("z failed", 0)
    end)
    error("body failed", 0)
  end))
  return "pcall gave", table.unpack(r, 1, r.n)
end)
print(co())
print("native __close yielded", select(2, co()))
print(co("v1"))
print(co("v2"))

-- an error inside a function called from Rust (a sort comparator) closes its variables
print(pcall(table.sort, {3, 2, 1}, function (a, b)
  local v <close> = closer(function (_, e) print("comparator closed with", e) end)
  error("cmp", 0)
end))
print("done")
