-- xpcall message handlers: they get extra stack to handle a stack overflow, and an error
-- inside a handler is handled again, ending in "error in error handling".
local function overflow(n) return 1 + overflow(n + 1) end

local ok, tb = xpcall(overflow, debug.traceback, 0)
print(ok, tb:match("^[^\n]*"))

print(xpcall(overflow, function(m) return "handled: " .. m end, 0))

-- A Lua handler for the overflow that calls further functions and closes a variable.
local closed = false
print(xpcall(overflow, function(m)
  local _ <close> = setmetatable({}, { __close = function() closed = true end })
  return select(2, pcall(string.rep, "x", 3)) .. " " .. tostring(m:find("stack overflow") ~= nil)
end, 0))
print(closed)

print(xpcall(error, function(m) error("again") end, "x"))
print(xpcall(error, function(m) error({}) end, "x"))
print(xpcall(overflow, function() local function r() return 1 + r() end return r() end, 0))

-- A handler that fails once, then succeeds on its own error.
local calls = 0
print(xpcall(error, function(m)
  calls = calls + 1
  if calls == 1 then error("first failure", 0) end
  return "second call got: " .. tostring(m)
end, "original", 0))

-- The stack is usable again afterwards.
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(10000))
