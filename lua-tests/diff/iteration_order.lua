-- ipairs, and pairs over pure sequences, visit keys in order.
local t = {"a", "b", "c", "d", "e"}
for i, v in ipairs(t) do print(i, v) end
for k, v in pairs(t) do print(k, v) end
local grown = {}
for i = 1, 20 do grown[i] = i * i end
local keys = {}
for k in pairs(grown) do keys[#keys + 1] = k end
print(table.concat(keys, " "))
local holes = {1, 2, nil, 4}
for i, v in ipairs(holes) do print("ipairs", i, v) end
local mixed = {10, 20, 30, x = "ignored by ipairs"}
for i, v in ipairs(mixed) do print(i, v) end
print(next({}), next({"only"}))
local sorted = {}
for k in pairs({b = 1, a = 2, c = 3}) do sorted[#sorted + 1] = k end
table.sort(sorted)
print(table.concat(sorted, ","))
local proxy = setmetatable({}, {__index = function(_, i) if i <= 3 then return "p" .. i end end})
for i, v in ipairs(proxy) do print(i, v) end
for k, v in pairs(setmetatable({}, {__pairs = function() return function(_, k) if not k then return 1, "first" elseif k < 3 then return k + 1, "next" end end, nil, nil end})) do print(k, v) end
