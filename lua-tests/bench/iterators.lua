-- iterators.lua: closures as iterators and callbacks: stateful generic-for iterators,
-- map/filter/take chains built from closures, an event emitter calling registered listeners,
-- and memoised functions through closures over a cache table.

local function range(from, to, step)
  local i = from - step
  return function()
    i = i + step
    if i <= to then return i end
  end
end

local function map(f, it)
  return function()
    local v = it()
    if v ~= nil then return f(v) end
  end
end

local function filter(pred, it)
  return function()
    local v = it()
    while v ~= nil and not pred(v) do v = it() end
    return v
  end
end

local function take(n, it)
  local count = 0
  return function()
    count = count + 1
    if count <= n then return it() end
  end
end

local function fold(it, acc, f)
  for v in it do acc = f(acc, v) end
  return acc
end

-- Stateless iterator over an array's pairs of neighbours.
local function pairs_step(arr, i)
  i = i + 1
  if arr[i + 1] ~= nil then return i, arr[i], arr[i + 1] end
end
local function neighbours(arr)
  return pairs_step, arr, 0
end

-- Event emitter ------------------------------------------------------------------------------
local Emitter = {}
Emitter.__index = Emitter

function Emitter.new()
  return setmetatable({ listeners = {}, count = 0 }, Emitter)
end

function Emitter:on(name, fn)
  local list = self.listeners[name]
  if not list then
    list = {}
    self.listeners[name] = list
  end
  list[#list + 1] = fn
end

function Emitter:emit(name, a, b)
  local list = self.listeners[name]
  if list then
    for i = 1, #list do
      list[i](a, b)
      self.count = self.count + 1
    end
  end
end

local function memoize(f)
  local cache = {}
  return function(n)
    local v = cache[n]
    if v == nil then
      v = f(n)
      cache[n] = v
    end
    return v
  end
end

local total = 0
for round = 1, 280 do
  -- Chains of iterator closures.
  local squares = map(function(x) return x * x end, range(1, 20000, 1))
  local odd = filter(function(x) return x % 2 == 1 end, squares)
  total = total + fold(take(5000, odd), 0, function(acc, v) return (acc + v) % 1000003 end)

  -- Generic for with a stateless iterator.
  local arr = {}
  for i = 1, 2000 do arr[i] = (i * round) % 97 end
  for i, a, b in neighbours(arr) do
    if a < b then total = total + i end
  end

  -- Callbacks.
  local em = Emitter.new()
  local sum, maxv = 0, 0
  em:on("value", function(v) sum = sum + v end)
  em:on("value", function(v) if v > maxv then maxv = v end end)
  em:on("pair", function(a, b) sum = sum + a * b end)
  for i = 1, 3000 do
    em:emit("value", (i * 31 + round) % 1009)
    if i % 3 == 0 then em:emit("pair", i, round) end
  end
  total = total + sum + maxv + em.count

  local fib
  fib = memoize(function(n)
    if n < 2 then return n end
    return (fib(n - 1) + fib(n - 2)) % 1000000007
  end)
  total = (total + fib(150 + round)) % 1000000007
end

print("iterators", total)
