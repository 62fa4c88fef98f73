-- math.floor/ceil of floats (an integer when it fits, else the float), math.max/min over
-- mixed numbers, and select's ranges: the results and their types, as lua5.4 prints them.
local function show(...)
  local parts = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    parts[#parts + 1] = tostring(v) .. ":" .. (math.type(v) or type(v))
  end
  print(table.concat(parts, " "))
end

local floats = { 0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 1e15 + 0.5, -1e15 - 0.5,
  2^52 + 1, -2^52 - 1, 2^62, -2^62, 2^63, -2^63, -2^63 - 4096, 2^63 - 1024, 1e300, -1e300,
  1/0, -1/0, 0.1, -0.1, 3.999999999, -3.000000001 }
for _, f in ipairs(floats) do
  show(f, math.floor(f), math.ceil(f))
end
show(math.floor(7), math.ceil(-7), math.floor("2.5"), math.ceil("-2.5"), math.floor("10"))
print(math.floor(0/0) ~= math.floor(0/0), math.ceil(0/0) ~= math.ceil(0/0))
print(pcall(math.floor, "x"))
print(pcall(math.ceil, {}))
print(pcall(math.floor))

show(math.max(1, 2, 3), math.max(3, 2, 1), math.min(1, 2, 3), math.min(3, 2, 1))
show(math.max(1, 2.5), math.max(2.5, 1), math.min(1, 0.5), math.min(0.5, 1))
show(math.max(1.5, 2.5, -1.5), math.min(1.5, 2.5, -1.5), math.max(2, 2.0), math.max(2.0, 2))
show(math.min(-0.0, 0.0), math.max(0.0, -0.0), math.max(math.mininteger, -2^63))
show(math.max(5), math.min(-5.5), math.max("10", "9"), math.min("a", "b"))
print(pcall(math.max, 1, "2"))
print(pcall(math.min))
local big = setmetatable({}, { __lt = function() return true end })
print(pcall(math.max, 1, big) == true, select(2, pcall(math.max, 1, big)) == big)

show(select(1, "a", "b", "c"))
show(select(2, "a", "b", "c"))
show(select(3, "a", "b", "c"))
show(select(4, "a", "b", "c"))
show(select(9, "a", "b", "c"))
show(select(-1, "a", "b", "c"))
show(select(-3, "a", "b", "c"))
show(select("#"))
show(select("#", nil, nil))
show(select(2, nil, false, nil))
print(pcall(select, 0, "a"))
print(pcall(select, -4, "a", "b", "c"))
print(pcall(select, "x"))
print(pcall(select))
-- Many values through select (more than fit in a small buffer).
local t = {}
for i = 1, 300 do t[i] = i end
print(select("#", select(100, table.unpack(t))), (select(250, table.unpack(t))))
