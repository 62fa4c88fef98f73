-- Generic `for` over ipairs/pairs/next: the executor steps these inline for plain tables;
-- everything else must behave exactly as the native calls do.

-- ipairs stops at the first nil; one, two and three loop variables.
local t = { 10, 20, 30, nil, 50 }
local n, sum = 0, 0
for i, v in ipairs(t) do
  n = n + 1
  sum = sum + i * v
end
assert(n == 3 and sum == 10 + 40 + 90)
local idx = {}
for i in ipairs(t) do
  idx[#idx + 1] = i
end
assert(#idx == 3 and idx[3] == 3)
for i, v, extra in ipairs({ 7 }) do
  assert(i == 1 and v == 7 and extra == nil)
end

-- ipairs respects __index for missing elements (a proxy table).
local backing = { "a", "b", "c" }
local proxy = setmetatable({}, { __index = function(_, k) return backing[k] end })
local seen = {}
for i, v in ipairs(proxy) do
  seen[i] = v
end
assert(#seen == 3 and seen[1] == "a" and seen[3] == "c")

-- A partly filled table with __index fills the holes.
local holes = setmetatable({ 1, nil, 3 }, { __index = function(_, k) if k == 2 then return 2 end end })
local count = 0
for _, v in ipairs(holes) do
  count = count + v
end
assert(count == 6)

-- ipairs over a string: its metatable's __index is the string table, so s[1] is nil.
for _ in ipairs("abc") do
  error("no elements expected")
end

-- Writing elements during ipairs changes what is seen next.
local grow = { 1, 2 }
local steps = 0
for i in ipairs(grow) do
  steps = steps + 1
  if i < 5 then
    grow[i + 1] = grow[i + 1] or i + 1
  end
end
assert(steps == 5)

-- pairs visits every key once; assigning existing fields during traversal is allowed.
local h = { x = 1, y = 2, z = 3, 4, 5 }
local keys = 0
for k, v in pairs(h) do
  keys = keys + 1
  h[k] = v * 10
end
assert(keys == 5 and h.x == 10 and h[2] == 50)

-- pairs returns the real next even when the global is replaced.
local real_next = next
next = function() error("replaced next called") end
local f = pairs({})
assert(f == real_next)
for _ in pairs({ 1 }) do end
next = real_next

-- next as an explicit iterator, and an invalid key reported through the loop.
local m = 0
for _, v in next, { 3, 4 } do
  m = m + v
end
assert(m == 7)
local ok, err = pcall(function()
  for k in next, {}, "missing" do
    error("unreachable " .. tostring(k))
  end
end)
assert(not ok and err:find("invalid key to 'next'"), err)

-- A non-table state goes to the native iterator and its error.
ok, err = pcall(function()
  for _ in next, 42 do end
end)
assert(not ok and err:find("table expected, got number"), err)

-- __pairs still decides what pairs returns.
local custom = setmetatable({}, {
  __pairs = function(self)
    local i = 0
    return function()
      i = i + 1
      if i <= 2 then return i, i * i end
    end, self, nil
  end,
})
local squares = 0
for _, sq in pairs(custom) do
  squares = squares + sq
end
assert(squares == 5)

print("generic_for_iterators OK")
