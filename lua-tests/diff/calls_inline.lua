-- Calls, tail calls, returns and generic-for iterators that the executor runs inline:
-- results, arity adjustment, tracebacks, getinfo and error positions must match lua5.4's.

-- Return0 / Return1 into callers wanting 0, 1 or all results.
local function none() return end
local function one(x) return x end
local function two(x) return x, x + 1 end
print(select('#', none()), select('#', one(1)), select('#', two(1)))
print(none(), one(5), two(7))
print((two(3)))
local a, b, c = one(9)
print(a, b, c)
local t = { none(), one(2), two(4) }
print(#t, t[1], t[2], t[3], t[4])
print(one(one(one(42))), two(one(10)))

-- Tail calls: arguments moved down, missing ones nil, extra ones dropped, varargs kept.
local function fixed(p, q, r) return p, q, r end
local function va(...) return select('#', ...), ... end
local function tail_fixed(...) return fixed(...) end
local function tail_va(...) return va(...) end
print(tail_fixed(1), tail_fixed(1, 2, 3, 4))
print(tail_va(), tail_va(nil, nil), tail_va(1, 2, 3))

-- Deep tail recursion runs in constant stack.
local function count(n, acc)
  if n == 0 then return acc end
  return count(n - 1, acc + 1)
end
print(count(300000, 0))

-- Mutual tail recursion, ending in a native and in a vararg function.
local is_even, is_odd
function is_even(n) if n == 0 then return tostring(true) end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return va(false, n) end return is_even(n - 1) end
print(is_even(1001), is_even(1000))

-- Tracebacks and getinfo through tail calls.
local function where()
  local info = debug.getinfo(1, "tl")
  local caller = debug.getinfo(2, "l")
  return info.istailcall, info.currentline, caller and caller.currentline
end
local function via_tail() return where() end
print(where())
print(via_tail())
local function show_trace() return debug.traceback("tb", 1) end
local function tail_to_trace() return show_trace() end
print((tail_to_trace():gsub("\n[^\n]*%[C%][^\n]*", "")))

-- Errors raised after a tail call name the right line.
local function bad(x) return x.field end
local function tail_bad(x) return bad(x) end
print(pcall(tail_bad, nil))
print(select(2, pcall(tail_bad, 5)))

-- An __index function that tail-calls.
local proxy = setmetatable({}, { __index = function(_, k) return one(k .. "!") end })
print(proxy.x, proxy.y)

-- Lua iterators in a generic for: one value, several values, early end, errors.
local function range(n)
  local i = 0
  return function()
    i = i + 1
    if i <= n then return i end
  end
end
local sum = 0
for v in range(10) do sum = sum + v end
print(sum)
local function step3(arr, i)
  i = i + 1
  if arr[i] then return i, arr[i], arr[i] * 2 end
end
for i, v, d, extra in step3, { 5, 6, 7 }, 0 do print(i, v, d, extra) end
for k in function(_, k) if not k then return "only" end end do print(k) end
local function lines_iter()
  local n = 0
  return function()
    n = n + 1
    if n == 2 then
      local info = debug.getinfo(2, "l")
      print("caller line", info.currentline)
    end
    if n <= 3 then return n end
  end
end
for v in lines_iter() do print("v", v) end
local function broken_iter(_, i)
  if i == 2 then error("iterator failed at " .. i) end
  return i + 1
end
print(pcall(function() for i in broken_iter, nil, 0 do end end))
local function nil_iter(_, i)
  if i == 1 then return nil + i end
  return i + 1
end
print(pcall(function() for i in nil_iter, nil, 0 do end end))

-- A vararg iterator and an iterator that is a callable table.
local function va_iter(...)
  local n = select('#', ...)
  if select(2, ...) < 3 then return select(2, ...) + 1, n end
end
for i, n in va_iter, "s", 0 do print("va", i, n) end
local callable = setmetatable({}, { __call = function(_, s, i) if i < 2 then return i + 1 end end })
for i in callable, nil, 0 do print("callable", i) end

-- Closures capturing loop variables and upvalues, read through the inline paths.
local fns = {}
for i = 1, 3 do fns[i] = function() return i * 10 end end
print(fns[1](), fns[2](), fns[3]())
local shared = 0
local function inc() shared = shared + 1 return shared end
local function get() return shared end
inc(); inc()
print(get(), shared)

-- Stack overflow from non-tail recursion is still reported.
local function deep(n) return 1 + deep(n + 1) end
local ok, msg = pcall(deep, 1)
print(ok, (msg:gsub("^.-:%d+: ", "")))
print("calls_inline OK")
