-- A __pairs that is pairs itself recurses without Lua frames in between: lua5.4 stops at
-- its C stack limit with "C stack overflow" (wayfinder overflowed the Rust stack).
local t = setmetatable({}, {__pairs = pairs})
print(pcall(pairs, t))
-- A Lua __pairs still works, and so does pairs afterwards.
local u = setmetatable({}, {__pairs = function(x) return next, {10, 20}, nil end})
local sum = 0
for _, v in pairs(u) do sum = sum + v end
print(sum)
for k, v in pairs({a = 1}) do print(k, v) end
