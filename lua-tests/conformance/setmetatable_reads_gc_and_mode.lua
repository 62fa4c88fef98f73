-- setmetatable reads __gc and __mode through the metatable's cache of absent metamethods;
-- a field added to the metatable afterwards is seen by the next setmetatable, as in Lua.

local mt = {}
local log = {}
local a = setmetatable({name = "a"}, mt) -- no __gc yet: a is not marked for finalization
mt.__gc = function(o) log[#log + 1] = o.name end
local b = setmetatable({name = "b"}, mt) -- marked
a, b = nil, nil
collectgarbage()
collectgarbage()
assert(#log == 1 and log[1] == "b", table.concat(log, ","))

local wm = {}
local first = setmetatable({}, wm) -- finds no __mode in wm
wm.__mode = "k"
local weak = setmetatable({}, wm)
weak[{}] = true
collectgarbage()
assert(next(weak) == nil and getmetatable(first) == wm)

print("setmetatable reads gc and mode OK")
