-- loops.lua: numeric for loops with integer and float arithmetic.
local M = 1000000007

-- Integer arithmetic: +, -, *, //, % in a tight loop.
local acc = 0
for i = 1, 15000000 do
  acc = (acc * 31 + i * 7 - i // 3 + i % 11) % M
end

-- Float arithmetic: *, /, + with a float accumulator.
local fsum = 0.0
for i = 1, 10000000 do
  local x = i * 0.5
  fsum = fsum + x * x / (x + 1.0)
end

-- Float loop variable with a fractional step, and nested integer loops.
local steps = 0.0
for x = 0.0, 250000.0, 0.25 do
  steps = steps + x
end
local nested = 0
for i = 1, 1200 do
  for j = 1, 1200 do
    nested = nested + (i ~ j) % 7
  end
end

print("loops", acc, math.floor(fsum), math.floor(steps), nested)
