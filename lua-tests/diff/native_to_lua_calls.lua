-- Lua functions called from natives (table.sort's comparator, gsub's replacement function,
-- metamethods of table.* accesses): arguments, missing and extra parameters, varargs,
-- upvalues captured in the callee, errors and their positions, yields across the call,
-- coroutines resumed inside it, hooks, nesting depth. Outputs do not depend on the order
-- in which the sort compares.

local function show(...) print(select('#', ...), ...) end

-- Comparators of every shape.
local t = {5, 3, 9, 1, 7, 2, 8}
table.sort(t, function(a, b) return a < b end)
print(table.concat(t, ' '))
table.sort(t, function(a, ...) return a > select(1, ...) end)       -- vararg callee
print(table.concat(t, ' '))
local seen3 = 0
table.sort(t, function(a, b, c) if c == nil then seen3 = seen3 + 1 end return a < b end)
print(table.concat(t, ' '), seen3 > 0)
table.sort(t, function(a) return false end)                         -- one parameter
print(#t)
local calls = 0
table.sort(t, function() calls = calls + 1 return false end)        -- none
print(calls > 0)
-- A comparator whose body creates closures (captured locals of its own).
table.sort(t, function(a, b)
  local x, y = a, b
  local f = function() return x < y end
  return f()
end)
print(table.concat(t, ' '))
-- A comparator that is a table with __call (not a function): rejected as lua5.4 does.
print(pcall(table.sort, {3, 2, 1}, setmetatable({}, {__call = function(_, a, b) return a < b end})))
-- A native comparator.
local ok, err = pcall(table.sort, {3, 2, 1}, math.max)
print(ok, err)
-- A comparator returning several values, or none.
table.sort(t, function(a, b) return a > b, 'extra', 3 end)
print(table.concat(t, ' '))
print(pcall(table.sort, {1, 2, 3}, function(a, b) end))

-- Errors inside the comparator: message, position, and the stack afterwards.
local function bad(a, b) if a == 7 or b == 7 then error('seven!') end return a < b end
print(pcall(table.sort, {5, 3, 9, 1, 7, 2, 8}, bad))
print(pcall(table.sort, {5, 3, 9, 1, 7}, function(a, b) return a.x < b end))
print(select(2, pcall(table.sort, {5, 3, 9, 1, 7}, function(a, b) error({code = 42}) end)).code)
print(select(2, pcall(table.sort, {5, 3}, function(a, b) error(setmetatable({}, {__tostring = function() return 'obj' end})) end)) ~= nil)
local r = {pcall(table.sort, {2, 1}, function(a, b) error() end)}
print(#r, r[1], r[2])
-- The caller's registers survive a comparator that errors.
do
  local a1, a2, a3 = 'one', 'two', 'three'
  pcall(table.sort, {3, 2, 1}, function(x, y) local big = {} for i = 1, 50 do big[i] = i end error('x') end)
  print(a1, a2, a3)
end

-- Yields across the sort are refused; coroutines inside the comparator run.
local co = coroutine.create(function()
  table.sort({3, 2, 1}, function(a, b) coroutine.yield('in cmp') return a < b end)
  return 'finished'
end)
local okc, errc = coroutine.resume(co)
print(okc, (string.gsub(errc, '^.-:%d+: ', '')))
local gen = coroutine.wrap(function() for i = 1, 1000 do coroutine.yield(i) end end)
local u = {4, 1, 3, 2}
table.sort(u, function(a, b) gen() return a < b end)
print(table.concat(u, ' '), gen() > 1)
-- A sort inside a coroutine, with a comparator resuming another coroutine.
co = coroutine.wrap(function()
  local v = {9, 8, 7, 6, 5, 4, 3, 2, 1}
  table.sort(v, function(a, b)
    local c = coroutine.wrap(function(x, y) coroutine.yield(x < y) end)
    return c(a, b)
  end)
  coroutine.yield(table.concat(v, ' '))
  return 'done'
end)
print(co(), co())

-- Nesting: a comparator that sorts, down to the C stack limit.
local depth = 0
local function deep(a, b)
  depth = depth + 1
  table.sort({2, 1}, deep)
  return a < b
end
local ok2, err2 = pcall(table.sort, {2, 1}, deep)
print(ok2, (string.gsub(err2, '^.-:%d+: ', '')), depth > 100)
-- The same native-nesting limit after it, for a plain call.
print(pcall(table.sort, {3, 1, 2}, function(a, b) return a < b end))

-- Hooks set from inside the comparator.
local lines = 0
local w = {3, 1, 2}
table.sort(w, function(a, b)
  if not debug.gethook() then debug.sethook(function() lines = lines + 1 end, 'l') end
  return a < b
end)
debug.sethook()
print(table.concat(w, ' '), lines > 0)

-- gsub with a function replacement: captures as arguments, results.
print(string.gsub('hello world', '(%w+)', function(w) return w:upper() end))
print(string.gsub('a=1, b=2', '(%w+)=(%w+)', function(k, v) return v .. k end))
print(string.gsub('abc', '%w', function() end))
print(string.gsub('abc', '%w', function(...) return select('#', ...) end))
print(pcall(string.gsub, 'abc', '%w', function(c) error('no ' .. c) end))
print(string.gsub('abc', '', function(...) return '[' .. select('#', ...) .. ']' end))

-- Metamethods called from natives: __index/__newindex/__len/__lt through table functions.
local log = {}
local store = {30, 10, 20}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = 'r'; return store[k] end,
  __newindex = function(_, k, v) log[#log + 1] = 'w'; store[k] = v end,
  __len = function() return #store end,
})
table.sort(proxy)
print(table.concat(store, ' '), #log > 0)
table.insert(proxy, 5)
print(table.concat(store, ' '), table.concat(proxy, '+'), table.unpack(proxy))
local V = {}
V.__lt = function(a, b) return a.v < b.v end
local objs = {}
for i, v in ipairs({4, 2, 5, 1, 3}) do objs[i] = setmetatable({v = v}, V) end
table.sort(objs)
for i = 1, #objs do io.write(objs[i].v, ' ') end print()
print(pcall(table.sort, {1, 'x', 2}))
print(pcall(table.sort, {1, nil, 2, n = 3}))
-- tostring through __tostring and __name from natives.
print(tostring(setmetatable({}, {__tostring = function() return 'custom' end})))
show(pcall(tostring, setmetatable({}, {__tostring = function() return 1 end})))
