-- A small tour of what wayfinder runs today: modules, closures, metatables,
-- coroutines and error handling. Run it with:
--   cargo run --release -- run examples/hello/main.lua
local shapes = require("shapes")

local area = 0
for _, s in ipairs({ shapes.square(3), shapes.circle(1), shapes.square(2) }) do
  print(s:describe())
  area = area + s:area()
end
print(("total area: %.2f"):format(area))

-- A generator built on a coroutine.
local function counter(limit)
  return coroutine.wrap(function()
    for i = 1, limit do coroutine.yield(i) end
  end)
end
local sum = 0
for n in counter(10) do sum = sum + n end
print("sum of 1..10 via coroutine: " .. sum)

-- Errors carry positions and variable names, like Lua 5.4.
local ok, err = pcall(function() local config = nil; return config.port end)
print("caught: " .. err)
