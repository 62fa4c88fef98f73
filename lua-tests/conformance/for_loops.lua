-- Numeric and generic for loops, including edge cases.
local maxi, mini = math.maxinteger, math.mininteger
local function collect(a, b, c)
  local out = {}
  if c then
    for i = a, b, c do out[#out + 1] = i end
  else
    for i = a, b do out[#out + 1] = i end
  end
  return out
end
local function same(t, ...)
  local e = {...}
  if #t ~= #e then return false end
  for i = 1, #e do if t[i] ~= e[i] or math.type(t[i]) ~= math.type(e[i]) then return false end end
  return true
end

assert(same(collect(1, 5), 1, 2, 3, 4, 5), "1..5")
assert(same(collect(5, 1), nil) and #collect(5, 1) == 0, "empty range")
assert(same(collect(1, 10, 3), 1, 4, 7, 10), "step 3")
assert(same(collect(10, 1, -3), 10, 7, 4, 1), "negative step")
assert(same(collect(1, 1), 1), "single iteration")
assert(same(collect(1, 2, 0.5), 1.0, 1.5, 2.0), "float step makes float loop variable")
assert(same(collect(1.0, 3), 1.0, 2.0, 3.0), "float start makes float loop")
assert(same(collect(1, 3.5), 1, 2, 3), "float limit with int start/step stays integer")
assert(same(collect(1, 2.9), 1, 2), "float limit floors")
assert(same(collect(3, 0.5, -1), 3, 2, 1), "float limit with negative step ceils")
assert(same(collect(0.1, 0.35, 0.1), 0.1, 0.2, 0.30000000000000004), "float accumulation")
assert(#collect(1, 0.5) == 0, "float limit below start")

-- overflow edge cases: the loop must not wrap around
assert(same(collect(maxi - 2, maxi), maxi - 2, maxi - 1, maxi), "up to maxinteger")
assert(same(collect(mini + 2, mini, -1), mini + 2, mini + 1, mini), "down to mininteger")
assert(same(collect(maxi - 1, maxi, 10), maxi - 1), "big step near maxinteger")
assert(same(collect(mini, maxi, maxi), mini, -1, maxi - 1), "step of maxinteger across the whole range")
assert(#collect(maxi, mini) == 0, "empty, huge range")
assert(#collect(mini, maxi, mini) == 0, "negative step, start below limit")
local count = 0
for _ = 1, math.huge do count = count + 1; if count == 5 then break end end
assert(count == 5, "limit of +inf with integer loop")
count = 0
for _ = 1, -math.huge do count = count + 1 end
assert(count == 0, "limit of -inf")
count = 0
for _ = 1, 3.5e300 do count = count + 1; if count == 3 then break end end
assert(count == 3, "limit larger than maxinteger is clipped")
count = 0
for _ = maxi, 1e100 do count = count + 1 end
assert(count == 1, "clipped limit at maxinteger runs once")

-- errors
local function err(f)
  local ok, e = pcall(f)
  assert(not ok, "expected error")
  return e
end
assert(string.find(err(function() for _ = 1, 10, 0 do end end), "'for' step is zero", 1, true), "zero step")
assert(string.find(err(function() for _ = 1.0, 10, 0.0 do end end), "'for' step is zero", 1, true), "zero float step")
assert(string.find(err(function() for _ = "a", 10 do end end), "bad 'for' initial value (number expected, got string)", 1, true), "string start")
assert(string.find(err(function() for _ = 1, {} do end end), "bad 'for' limit (number expected, got table)", 1, true), "table limit")
assert(string.find(err(function() for _ = 1, 2, nil do end end), "bad 'for' step (number expected, got nil)", 1, true), "nil step")
-- numeric strings are converted like in arithmetic
assert(same(collect("1", 2), 1.0, 2.0), "numeric string start makes a float loop")
assert(same(collect(1, "2"), 1, 2), "numeric string limit")

-- the loop variable is a fresh local copy
local fns = {}
for i = 1, 3 do fns[i] = function() return i end end
assert(fns[1]() == 1 and fns[2]() == 2 and fns[3]() == 3, "fresh loop variable per iteration")
local iters = 0
for i = 1, 3 do
  local j = i
  i = 10 -- modifying the copy does not affect iteration
  iters = iters + 1
  assert(j == iters, "loop continues normally")
end
assert(iters == 3, "assignment to loop var does not change iteration count")
-- limit and step evaluated once
local evals = 0
local function lim() evals = evals + 1 return 3 end
for _ = 1, lim() do end
assert(evals == 1, "limit evaluated once")

-- generic for
local t = {}
for k, v in pairs({a = 1}) do t[k] = v end
assert(t.a == 1, "pairs")
local function range(n)
  local i = 0
  return function() i = i + 1; if i <= n then return i end end
end
local s = 0
for i in range(4) do s = s + i end
assert(s == 10, "closure iterator")
-- stateless iterator with state and control variable
local function iter(state, ctl)
  if ctl < state then return ctl + 1, ctl * 2 end
end
local pairs_seen = {}
for a, b in iter, 3, 0 do pairs_seen[#pairs_seen + 1] = a .. ":" .. b end
assert(table.concat(pairs_seen, ",") == "1:0,2:2,3:4", "stateless iterator")
-- fresh loop variables in generic for too
local gfns = {}
for i, v in ipairs({"a", "b"}) do gfns[i] = function() return v end end
assert(gfns[1]() == "a" and gfns[2]() == "b", "fresh generic loop variables")
-- iterator returning multiple values, extra ones ignored
for a, b, c in function(_, c0) if not c0 then return 1, 2, 3, 4 end end do
  assert(a == 1 and b == 2 and c == 3, "three loop vars")
end
-- calling a non-function errors
assert(string.find(err(function() for _ in nil do end end), "attempt to call a nil value", 1, true), "for in nil")
-- __call iterators are allowed
local callable = setmetatable({}, {__call = function(_, _, c) c = (c or 0) + 1; if c <= 2 then return c end end})
local calls = 0
for _ in callable do calls = calls + 1 end
assert(calls == 2, "callable table as iterator")

-- 4th value: to-be-closed
local log = {}
local closer = setmetatable({}, {__close = function(_, e) log[#log + 1] = "closed:" .. tostring(e) end})
for i in function(_, c) c = (c or 0) + 1; if c <= 3 then return c end end, nil, nil, closer do
  log[#log + 1] = i
end
assert(table.concat(log, ",") == "1,2,3,closed:nil", "closing value closed at loop end")
log = {}
for i in function(_, c) c = (c or 0) + 1; return c end, nil, nil, closer do
  log[#log + 1] = i
  if i == 2 then break end
end
assert(table.concat(log, ",") == "1,2,closed:nil", "closing value closed on break")
log = {}
local function early()
  for i in function(_, c) c = (c or 0) + 1; return c end, nil, nil, closer do
    if i == 1 then return "ret" end
  end
end
assert(early() == "ret" and log[1] == "closed:nil", "closing value closed on return")
log = {}
local ok, e = pcall(function()
  for _ in function() return 1 end, nil, nil, closer do error("boom", 0) end
end)
assert(not ok and e == "boom" and log[1] == "closed:boom", "closing value closed on error with the error")
assert(string.find(err(function() for _ in next, {}, nil, 42 do end end), "variable '(for state)' got a non-closable value", 1, true), "non-closable 4th value")
for _ in next, {}, nil, nil do end -- nil/false are allowed
for _ in next, {}, nil, false do end
print("for loops OK")
