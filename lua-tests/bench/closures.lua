-- closures.lua: creating closures, calling them, and updating captured upvalues.
local function make_counter(start)
  local n = start
  return function(by)
    n = n + by
    return n
  end
end

local function make_pair()
  -- Two closures sharing one upvalue.
  local shared = 0
  local function inc()
    shared = shared + 1
  end
  local function get()
    return shared
  end
  return inc, get
end

local function compose(f, g)
  return function(x)
    return f(g(x))
  end
end

local checksum = 0

-- Many short-lived closures.
for i = 1, 1000000 do
  local counter = make_counter(i)
  counter(1)
  checksum = (checksum + counter(2)) % 1000000007
end

-- A few long-lived closures called many times.
local inc, get = make_pair()
local counter = make_counter(0)
local add1 = function(x)
  return x + 1
end
local double = function(x)
  return x * 2
end
local f = compose(add1, double)
for i = 1, 3000000 do
  inc()
  counter(i % 7)
  checksum = (checksum + f(i % 1000)) % 1000000007
end

-- Closures created in a loop capture a fresh local each iteration.
local fns = {}
for i = 1, 1000 do
  fns[i] = function()
    return i * i
  end
end
for _ = 1, 500 do
  for i = 1, 1000 do
    checksum = (checksum + fns[i]()) % 1000000007
  end
end

print("closures", checksum, get(), counter(0))
