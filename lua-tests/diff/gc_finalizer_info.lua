-- A finalizer sees itself as the metamethod '__gc' through debug.getinfo (db.lua relies on
-- it to know a finalizer ran), whether run by collectgarbage() or by paced collection.
local seen = {}
setmetatable({}, {__gc = function()
  local t = debug.getinfo(1, "nS")
  seen[#seen + 1] = t.namewhat .. " " .. tostring(t.name) .. " " .. t.what
end})
collectgarbage()
print(seen[1])

local name
setmetatable({}, {__gc = function() name = debug.getinfo(1).name end})
repeat local a = {} until name
print("paced:", name)
