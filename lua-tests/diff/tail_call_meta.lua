-- `return obj(...)` where obj has `__call` is a tail call of the metamethod, as in lua5.4:
-- the caller's frame is gone, so a loop of such calls runs in constant stack.

-- A million tail calls through `__call` (a stack overflow if each kept a frame).
local F
F = setmetatable({}, {__call = function(self, n)
  if n == 0 then return "done", self == F end
  return F(n - 1)
end})
print(pcall(F, 1000000))

-- The metamethod gets the object first, then the arguments (fixed and open counts).
local obj = setmetatable({name = "obj"}, {__call = function(self, ...)
  return self.name, select("#", ...), ...
end})
local function fixed(a, b) return obj(a, b) end
local function open(...) return obj(...) end
print(fixed(1, 2))
print(open())
print(open(1, nil, 3, nil))
print(open(table.unpack({}, 1, 20)))

-- The caller's frame is replaced: the callee sees the tail call in `getinfo`.
local probe = setmetatable({}, {__call = function()
  local info = debug.getinfo(2, "Sl")
  local t = debug.getinfo(1, "t")
  return info.currentline, t.istailcall
end})
local function via_tail() return probe() end
print(via_tail())

-- A chain of `__call` (a table whose `__call` is a callable table).
local inner = setmetatable({}, {__call = function(...) return select("#", ...), ... end})
local outer = setmetatable({}, {__call = inner})
local function chain(x) return outer(x) end
local n, a, b, c = chain("x")
print(n, a == inner, b == outer, c)

-- Errors name the value being called, as for other calls.
local function bad() local t = {} return t(1) end
print(pcall(bad))
local function bad_field() local t = {f = 1} return t.f() end
print(pcall(bad_field))

-- A tail call to a native function through `__call`.
local len = setmetatable({}, {__call = function(_, s) return string.len(s) end})
local function native_tail(s) return len(s) end
print(native_tail("hello"))
local up = setmetatable({}, {__call = string.upper})
local ok, msg = pcall(function() return up("x") end)
print(ok, msg)
