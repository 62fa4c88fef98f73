-- What a benchmark program does last (the collector's profile runs of the programs stop
-- before their end): objects of every kind alive at exit (their drops run then), and
-- a checksum line of strings, integers and floored floats.
local t = {1, 2, 3, x = 1, y = "two"}
local long = string.rep("x", 600)
local co = coroutine.create(function(a) return coroutine.yield(a) end)
coroutine.resume(co, 1)
local cells = {}
for i = 1, 10 do cells[i] = function() return i + #t end end
setmetatable(t, {__index = function() return 0 end})
print("tail", #long, t.z, cells[3](), math.floor(2.5 * 1e6), 1.5, -7, 2^53)
