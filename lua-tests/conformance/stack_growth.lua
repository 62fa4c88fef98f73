-- The stack grows (and may move) inside an instruction that then goes on in the same
-- frame: a metamethod, a native or a `__close` handler runs a deep recursion before the
-- calling frame reads and writes its registers again. Each case runs in a fresh coroutine,
-- whose stack starts small, so the recursion must outgrow it.

local function deep(n)
  if n == 0 then return 0 end
  local a, b, c, d, e, f, g, h = n, n, n, n, n, n, n, n
  return deep(n - 1) + (a + b + c + d + e + f + g + h) // (8 * n)
end

local DEPTH = 3000

local function fresh(f)
  local co = coroutine.create(f)
  local ok, r = coroutine.resume(co)
  assert(ok, r)
  return r
end

local mt = {}
mt.__add = function(x, y) return deep(DEPTH) + 1 end
mt.__sub = function(x, y) return deep(DEPTH) + 2 end
mt.__unm = function(x) return deep(DEPTH) + 3 end
mt.__lt = function(x, y) return deep(DEPTH) == DEPTH end
mt.__le = function(x, y) return deep(DEPTH) ~= DEPTH end
mt.__eq = function(x, y) return deep(DEPTH) == DEPTH end
mt.__len = function(x) return deep(DEPTH) + 4 end
mt.__concat = function(x, y) return "c" .. deep(DEPTH) end
mt.__index = function(t, k) return deep(DEPTH) + 5 end
mt.__newindex = function(t, k, v) rawset(t, k, v + deep(DEPTH)) end
mt.__close = function() deep(DEPTH) end

-- Each case keeps live registers on both sides of the operation and checks them after it.
assert(fresh(function()
  local o = setmetatable({}, mt)
  local before, x = 10, o + 1
  local after = before + 1
  return x == DEPTH + 1 and before == 10 and after == 11
end))

assert(fresh(function()
  local o = setmetatable({}, mt)
  local p, q = 7, 8
  local x = o - p
  local y = -o
  return x == DEPTH + 2 and y == DEPTH + 3 and p + q == 15
end))

assert(fresh(function()
  local o = setmetatable({}, mt)
  local p, q = setmetatable({}, mt), 3
  local r1 = o < p
  local r2 = o <= p
  local r3 = o == p
  local r4 = 1 < o
  return r1 and not r2 and r3 and r4 and q == 3
end))

assert(fresh(function()
  local o = setmetatable({}, mt)
  local before = 5
  local n = #o
  local s = o .. "x"
  local v = o.anything
  o.field = 1
  return n == DEPTH + 4 and s == "c" .. DEPTH and v == DEPTH + 5
    and rawget(o, "field") == DEPTH + 1 and before == 5
end))

assert(fresh(function()
  local before = 6
  do
    local c <close> = setmetatable({}, mt)
  end
  local after = before * 2
  return after == 12
end))

-- A native calling back into Lua (table.sort's comparator, string.gsub's function) and
-- `for` loops whose body grows the stack.
assert(fresh(function()
  local t = {3, 1, 2}
  local k = 4
  table.sort(t, function(a, b) return deep(200) == 200 and a < b end)
  local s = string.gsub("ab", ".", function(c) return c .. deep(DEPTH) end)
  local total = 0
  for i = 1, 3 do total = total + t[i] + deep(DEPTH) - DEPTH end
  for i, v in ipairs(t) do total = total + v * i end
  return t[1] == 1 and t[3] == 3 and k == 4 and s == "a" .. DEPTH .. "b" .. DEPTH
    and total == 6 + 14
end))

-- A native iterator returning many values (`table.unpack` as the iterator of a generic
-- `for`), and open results (`...`, `table.unpack` into a table constructor).
assert(fresh(function()
  local big = {}
  for i = 1, DEPTH do big[i] = i end
  local before = 9
  local got
  for a, b in table.unpack, big do
    got = a + b
    break
  end
  local function va(...)
    local t = {...}
    local x, y = ...
    return #t + x + y
  end
  local n = va(table.unpack(big))
  local u = {table.unpack(big)}
  return got == 3 and before == 9 and n == DEPTH + 1 + 2 and #u == DEPTH
end))

-- A tail call and a Lua iterator function, entered inline by the loop.
assert(fresh(function()
  -- `wide` has more registers than `tail`, so tail-calling it grows the stack.
  local function wide(acc)
    local a, b, c, d, e, f, g, h, i, j = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    local k, l, m, n, o, p, q, r, s, t = a, b, c, d, e, f, g, h, i, j
    return acc + deep(DEPTH) - DEPTH + (k + l + m + n + o + p + q + r + s + t) - 55
  end
  local function tail(n, acc)
    if n == 0 then return wide(acc) end
    local x = n
    return tail(n - 1, acc + x)
  end
  return tail(100, 0) == 5050
end))
assert(fresh(function()
  local function iter(limit, i)
    if i < limit then
      local pad1, pad2, pad3 = i, i, i
      return i + 1, pad1 + pad2 + pad3 + deep(DEPTH) - DEPTH
    end
  end
  local before, sum = 13, 0
  for i, v in iter, 5, 0 do sum = sum + i + v end
  return sum == 15 + 3 * 10 and before == 13
end))

-- `...` of a coroutine body called with many arguments.
local big = {}
for i = 1, DEPTH do big[i] = i end
local co = coroutine.wrap(function(...)
  local before = 12
  local t = {...}
  local a, b, c = ...
  return #t == DEPTH and a + b + c == 6 and before == 12
end)
assert(co(table.unpack(big)))

print("stack_growth OK")
