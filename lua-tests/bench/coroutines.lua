-- coroutines.lua: coroutine switching: generators driven by resume/yield in a loop.
local function range_gen(n)
  return coroutine.create(function()
    for i = 1, n do
      coroutine.yield(i)
    end
    return nil
  end)
end

-- Values passed both ways: the resumer sends a number, the coroutine yields a running sum.
local accumulator = coroutine.create(function(first)
  local total = first
  while true do
    local x = coroutine.yield(total)
    total = (total + x) % 1000000007
  end
end)

local checksum = 0
for round = 1, 200 do
  local gen = range_gen(10000)
  while true do
    local ok, v = coroutine.resume(gen)
    if not ok or v == nil then
      break
    end
    checksum = (checksum + v * round) % 1000000007
  end
end

local _, total = coroutine.resume(accumulator, 0)
for i = 1, 2000000 do
  local _, t = coroutine.resume(accumulator, i)
  total = t
end

-- Many short-lived coroutines.
local finished = 0
for i = 1, 200000 do
  local co = coroutine.create(function(a)
    local b = coroutine.yield(a + 1)
    return a + b
  end)
  local _, x = coroutine.resume(co, i)
  local _, y = coroutine.resume(co, x)
  if coroutine.status(co) == "dead" then
    finished = finished + 1
  end
  checksum = (checksum + y) % 1000000007
end

print("coroutines", checksum, total, finished)
