-- `return f()` inside the scope of a to-be-closed variable: the `__close` handlers run
-- before the values are returned, and must neither overwrite them nor change their count.
local function closer(f) return setmetatable({}, { __close = f }) end

local X, Y
local function foo()
  local _ <close> = closer(function() Y = 10 end)
  return 1, 2, 3
end
local function bar()
  local _ <close> = closer(function() X = false end)
  X = true
  do
    return foo()
  end
end
print(bar())
print(X, Y)

-- A Lua handler that makes calls of its own (which move the stack top).
local function many()
  local _ <close> = closer(function()
    local t = {}
    for i = 1, 20 do t[i] = select("#", 1, 2, 3, i) end
    return table.unpack(t)
  end)
  return string.byte("abcdef", 1, -1)
end
print(many())

-- A native handler, two handlers, and a vararg pass-through.
local function two(...)
  local _ <close> = closer(rawequal)
  local _ <close> = closer(function(_, err) print("inner close", err) end)
  return select(1, ...)
end
print(two("a", "b", "c"))

-- A handler that yields, inside a coroutine.
local co = coroutine.wrap(function()
  local _ <close> = closer(function() coroutine.yield("yielded in close") end)
  return table.unpack({ "x", "y", "z" })
end)
print(co())
print(co())
