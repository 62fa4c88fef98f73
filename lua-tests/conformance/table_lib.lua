-- table.insert/remove/concat/sort/unpack/pack/move.
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end
local function str(t, n) return table.concat(t, ",", 1, n or #t) end

-- insert
local t = {1, 2, 3}
table.insert(t, 4)
assert(str(t) == "1,2,3,4", "append")
table.insert(t, 1, 0)
assert(str(t) == "0,1,2,3,4", "insert at front")
table.insert(t, 3, "x")
assert(str(t) == "0,1,x,2,3,4", "insert in middle")
table.insert(t, #t + 1, "end")
assert(t[#t] == "end", "insert at #t+1")
assert(string.find(err(function() table.insert(t, 0, "bad") end), "bad argument #2 to 'insert' (position out of bounds)", 1, true), "insert position 0")
assert(string.find(err(function() table.insert(t, #t + 2, "bad") end), "bad argument #2 to 'insert' (position out of bounds)", 1, true), "insert past end")
assert(string.find(err(function() table.insert(t, 1, 2, 3) end), "wrong number of arguments to 'insert'", 1, true), "insert with 4 args")
assert(string.find(err(function() table.insert(nil, 1) end), "bad argument #1 to 'insert' (table expected, got nil)", 1, true), "insert into nil")
local sp = {"a", "b"}
table.insert(sp, "2", "x")
assert(str(sp) == "a,x,b", "numeric string position is converted")
local e0 = {}
table.insert(e0, "only")
assert(e0[1] == "only", "insert into empty")
table.insert(e0, 1, nil)
assert(#e0 == 2 or e0[1] == nil, "insert nil shifts")

-- remove
t = {1, 2, 3, 4, 5}
assert(table.remove(t) == 5 and #t == 4, "remove last")
assert(table.remove(t, 1) == 1 and str(t) == "2,3,4", "remove first")
assert(table.remove(t, 2) == 3 and str(t) == "2,4", "remove middle")
assert(table.remove({}) == nil, "remove from empty")
local empty = {}
assert(table.remove(empty, 0) == nil and table.remove(empty, 1) == nil, "remove at 0 or #t+1 from empty")
t = {1, 2}
assert(table.remove(t, 3) == nil and #t == 2, "remove at #t+1 allowed")
assert(string.find(err(function() table.remove({1, 2}, 5) end), "to 'remove' (position out of bounds)", 1, true), "remove out of bounds")
assert(string.find(err(function() table.remove({1, 2}, -1) end), "to 'remove' (position out of bounds)", 1, true), "remove negative")
local zero = {[0] = "z"}
assert(table.remove(zero, 0) == "z" and zero[0] == nil, "remove at 0 with #t == 0")

-- concat
assert(table.concat({}) == "", "concat empty")
assert(table.concat({1, 2, 3}) == "123", "concat numbers")
assert(table.concat({"a", "b", "c"}, ", ") == "a, b, c", "concat with separator")
assert(table.concat({"a", "b", "c"}, "-", 2) == "b-c", "concat from i")
assert(table.concat({"a", "b", "c"}, "-", 2, 2) == "b", "concat i..j")
assert(table.concat({"a", "b"}, "-", 3) == "", "concat empty range")
assert(table.concat({1.5, 2, "x"}, " ") == "1.5 2 x", "mixed values")
assert(table.concat({1.0}) == "1.0", "float formatting in concat")
assert(string.find(err(function() return table.concat({1, {}, 3}) end), "invalid value (table) at index 2 in table for 'concat'", 1, true), "table in concat")
assert(string.find(err(function() return table.concat({1, 2}, ",", 1, 3) end), "invalid value (nil) at index 3 in table for 'concat'", 1, true), "nil in concat range")
assert(string.find(err(function() return table.concat({}, {}) end), "bad argument #2 to 'concat' (string expected, got table)", 1, true), "bad separator")

-- sort
t = {5, 2, 8, 1, 9, 3}
table.sort(t)
assert(str(t) == "1,2,3,5,8,9", "sort numbers")
table.sort(t, function(a, b) return a > b end)
assert(str(t) == "9,8,5,3,2,1", "sort with comparator")
local words = {"pear", "apple", "fig", "banana"}
table.sort(words)
assert(str(words) == "apple,banana,fig,pear", "sort strings")
table.sort(words, function(a, b) return #a < #b end)
assert(words[1] == "fig" and words[4] == "banana", "sort by length")
local mixed = {3, 1.5, 2, -1, 2.5}
table.sort(mixed)
assert(str(mixed) == "-1,1.5,2,2.5,3", "sort mixed ints and floats")
local big = {}
for i = 1, 1000 do big[i] = (i * 7919) % 1000 end
table.sort(big)
local sorted = true
for i = 2, #big do if big[i - 1] > big[i] then sorted = false end end
assert(sorted, "sort 1000 elements")
local single = {1}
table.sort(single)
assert(single[1] == 1, "sort single")
table.sort({})
local recs = {{k = 2}, {k = 1}, {k = 3}}
table.sort(recs, function(a, b) return a.k < b.k end)
assert(recs[1].k == 1 and recs[3].k == 3, "sort records")
-- Only the comparator's first result counts; no result is false; a native comparator works.
local multi = {3, 1, 2}
table.sort(multi, function(a, b) return a < b, "extra", "values" end)
assert(str(multi) == "1,2,3", "comparator with several results")
local calls = 0
table.sort({3, 1, 2}, function() calls = calls + 1 end)
assert(calls > 0, "comparator without results")
local firstonly = {1, 2, 3}
table.sort(firstonly, function(a, b) return false, true end)
assert(#firstonly == 3, "first result false")
local nums = {"10", "9", "100"}
table.sort(nums, rawequal)
assert(#nums == 3, "native comparator")
assert(string.find(err(function() table.sort({1, "a", 2}) end), "attempt to compare", 1, true), "sort incomparable")
assert(string.find(err(function() table.sort({3, 2, 1}, 5) end), "bad argument #2 to 'sort' (function expected, got number)", 1, true), "bad comparator")
local withmeta = setmetatable({}, {__lt = function(a, b) return a.v < b.v end})
local objs = {}
for i = 5, 1, -1 do objs[#objs + 1] = setmetatable({v = i}, getmetatable(withmeta)) end
table.sort(objs)
assert(objs[1].v == 1 and objs[5].v == 5, "sort uses __lt")

-- unpack
local a, b, c = table.unpack({1, 2, 3})
assert(a == 1 and b == 2 and c == 3, "unpack")
assert(select("#", table.unpack({1, 2, 3}, 2)) == 2, "unpack from i")
assert(select("#", table.unpack({1, 2, 3}, 2, 5)) == 4, "unpack to j past end")
assert(select("#", table.unpack({}, 0, -1)) == 0, "unpack empty")
local neg = {[-1] = "m", [0] = "z"}
local n1, n2 = table.unpack(neg, -1, 0)
assert(n1 == "m" and n2 == "z", "unpack negative indices")
assert(unpack == nil, "no global unpack in 5.4")

-- pack
local p = table.pack("a", nil, "c")
assert(p.n == 3 and p[1] == "a" and p[3] == "c", "pack")

-- move
local src = {1, 2, 3, 4, 5}
local dst = table.move(src, 2, 4, 1, {})
assert(str(dst) == "2,3,4", "move to new table")
assert(table.move(src, 1, 3, 3) == src and str(src) == "1,2,1,2,3", "overlapping move forward")
src = {1, 2, 3, 4, 5}
table.move(src, 3, 5, 1)
assert(str(src) == "3,4,5,4,5", "overlapping move backward")
local same = {1, 2, 3}
table.move(same, 1, 0, 5)
assert(#same == 3, "empty move")
assert(string.find(err(function() table.move({}, 0, math.maxinteger, 1) end), "too many elements to move", 1, true), "move too many")
assert(string.find(err(function() table.move({}, 1, math.maxinteger, 2) end), "destination wrap around", 1, true), "move wraps")
assert(string.find(err(function() table.move({}, 1, 2) end), "bad argument #4 to 'move' (number expected, got no value)", 1, true), "move missing arg")

-- table functions respect metamethods (5.4)
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) return rawget(log, k) end,
  __newindex = function(_, k, v) rawset(log, k, v) end,
  __len = function() return #log end,
})
table.insert(proxy, "a")
table.insert(proxy, "b")
assert(log[1] == "a" and log[2] == "b" and rawget(proxy, 1) == nil, "insert uses __newindex/__len")
assert(table.concat(proxy, "+") == "a+b", "concat uses __index")
assert(table.remove(proxy) == "b" and log[2] == nil, "remove uses metamethods")
print("table_lib OK")
