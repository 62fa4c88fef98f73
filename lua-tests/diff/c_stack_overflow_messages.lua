-- Where "C stack overflow" is reported from: lua5.4 prefixes the position only when the
-- function making the call that overflows is a Lua function (a metamethod called by an
-- instruction); a native calling back into Lua (gsub, sort, tostring, load's reader) gives none.
local function f() return setmetatable({}, {__index = function(t, k) return t[k] end}) end
print("index", pcall(function() return f().x end))

local function g(s) return (s:gsub(".", function(c) return g(c) end)) end
print("gsub", pcall(g, "a"))

local t = setmetatable({}, {})
getmetatable(t).__tostring = function(s) return tostring(s) end
print("tostring", pcall(tostring, t))

local function sorter(a, b) table.sort({3, 2, 1}, sorter) return a < b end
print("sort", pcall(table.sort, {2, 1}, sorter))

local function loader() return load(loader) end
print("load", pcall(load, loader))

local e = setmetatable({}, {})
getmetatable(e).__eq = function(a, b) return a == b end
print("eq", pcall(function() return e == setmetatable({}, getmetatable(e)) end))

local c = setmetatable({}, {})
getmetatable(c).__concat = function(a, b) return a .. b end
print("concat", pcall(function() return c .. "x" end))

local function deep(n) return select(2, pcall(string.gsub, "a", ".", function() return deep(n + 1) end)) end
print("pcall+gsub", deep(1))
