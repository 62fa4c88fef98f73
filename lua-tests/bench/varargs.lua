-- varargs.lua: variadic functions and small natives as libraries use them: a logger that
-- counts its arguments with select('#', ...), wrappers forwarding `...` (middleware, memoise,
-- once), sum/min/max helpers over `...`, table.pack/unpack of argument lists, and
-- math.floor/max/min/abs in a statistics pass.

local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do
    s = s + (select(i, ...))
  end
  return s
end

local function count_non_nil(...)
  local n = 0
  for i = 1, select("#", ...) do
    if (select(i, ...)) ~= nil then n = n + 1 end
  end
  return n
end

-- A logger: level filter, then a formatted line built from the arguments.
local Logger = {}
Logger.__index = Logger
function Logger.new(level) return setmetatable({ level = level, lines = 0, bytes = 0 }, Logger) end
function Logger:log(level, ...)
  if level < self.level then return end
  local n = select("#", ...)
  local first = ...
  self.lines = self.lines + 1
  self.bytes = self.bytes + n + (type(first) == "number" and first % 7 or 0)
end
function Logger:info(...) return self:log(2, ...) end
function Logger:debug(...) return self:log(1, ...) end

-- Middleware chain: each layer forwards its arguments and results.
local function wrap(f, tag)
  return function(...)
    return f(tag, ...)
  end
end
local function handler(tag, a, b, c)
  return a + tag, b, c
end
local function compose(...)
  local fns = table.pack(...)
  return function(...)
    local args = table.pack(...)
    for i = 1, fns.n do
      args = table.pack(fns[i](table.unpack(args, 1, args.n)))
    end
    return table.unpack(args, 1, args.n)
  end
end

local function once(f)
  local done = false
  return function(...)
    if done then return nil end
    done = true
    return f(...)
  end
end

-- Statistics over a window: floor/max/min/abs.
local function stats(values, n)
  local lo, hi, total, dev = math.huge, -math.huge, 0, 0
  for i = 1, n do
    local v = values[i]
    lo = math.min(lo, v)
    hi = math.max(hi, v)
    total = total + v
  end
  local mean = math.floor(total / n)
  for i = 1, n do
    dev = dev + math.abs(values[i] - mean)
  end
  return math.floor(lo), math.floor(hi), mean, math.floor(dev / n)
end

local checksum = 0
local log = Logger.new(2)
local layer = wrap(wrap(handler, 3), 5)
local pipeline = compose(function(a, b) return a + 1, b end, function(a, b) return a * 2, b end)

for i = 1, 250000 do
  checksum = checksum + sum(i, 1, 2, 3) + count_non_nil(i, nil, i, false)
  log:info(i, "x", i)
  log:debug("skipped", i)
  local a, b, c = layer(i, 2, 3)
  checksum = checksum + (a + b + c) % 1000
  checksum = checksum + select(-1, i, i + 1, i + 2) + select("#", nil, nil)
  if i % 4 == 0 then
    local x, y = pipeline(i, 7)
    checksum = checksum + x % 977 + y
    local first = once(function(...) return select("#", ...) end)
    checksum = checksum + first(1, 2, 3) + (first(1) or 0)
  end
end

local values = {}
for i = 1, 200 do
  values[i] = ((i * 7919) % 1000) / 3 - 150
end
for r = 1, 3000 do
  values[(r % 200) + 1] = values[(r % 200) + 1] + 0.5
  local lo, hi, mean, dev = stats(values, 200)
  checksum = checksum + lo + hi + mean + dev
end

print("varargs", checksum, log.lines, log.bytes)
