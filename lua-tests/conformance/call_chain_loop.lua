-- A `__call` chain that loops (a callable whose __call is itself, or two that name each
-- other) ends with an error wherever the call is made. lua5.4.4 never returns from these (each
-- step inserts one more argument), so this is an assertion test, not a diff test.
local a, b = setmetatable({}, {}), setmetatable({}, {})
getmetatable(a).__call = b
getmetatable(b).__call = a
local self = setmetatable({}, {})
getmetatable(self).__call = self
local MSG = "'__call' chain too long; possible loop"

local function fails(where, positioned, ok, e)
  assert(not ok, where .. ": expected an error")
  assert(type(e) == "string" and e:sub(-#MSG) == MSG, where .. ": " .. tostring(e))
  -- From a Lua call site the message has its position; from a native (pcall itself) none.
  assert((e:find("^call_chain_loop.lua:%d+: ") ~= nil) == positioned, where .. ": " .. e)
end
fails("direct", true, pcall(function() local r = a(1); return r end))
fails("tail", true, pcall(function() return a(1) end))
fails("method", true, pcall(function() local o = {m = self}; return o:m() end))
fails("pcall", false, false, select(2, pcall(a, 1)))
fails("pcall self", false, false, select(2, pcall(self)))
fails("wrap", true, pcall(coroutine.wrap(function() return self() end)))
local ok, e = coroutine.resume(coroutine.create(function() return b(1, 2, 3) end))
fails("resume", true, ok, e)
local ok2, e2 = xpcall(a, function(m) return "handled: " .. m end)
assert(not ok2 and e2 == "handled: " .. MSG, e2)
fails("generic for", true, pcall(function() for _ in self do end end))
fails("close", true, pcall(function() local _ <close> = setmetatable({}, {__close = a}) end))
fails("gsub callback", true, pcall(string.gsub, "a", ".", function(c) return a(c) end))
-- a chain that does end still works, however long below the limit
local last = setmetatable({}, {__call = function(_, ...) return select("#", ...) end})
local chain = last
for _ = 1, 10 do chain = setmetatable({}, {__call = chain}) end
assert(chain() == 10, chain())
print("call chain loop OK")
