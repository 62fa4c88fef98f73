-- A call with hundreds of thousands of arguments through vararg functions leaves the
-- stack long (lua5.4 stops at the `...` copy with "stack overflow"; wayfinder lets the
-- copy through). A later stack overflow's message handler must still get its extra room
-- and run, not fail with "error in error handling".
local t = {}
for i = 1, 600000 do t[i] = i end
local function pass(...) return select('#', ...) end
local function f(...) return pass(...) end
local ok, n = pcall(f, table.unpack(t, 1, 600000))
assert(not ok and n:find("stack overflow") or n == 600000, tostring(n))

local function rec(k) return rec(k + 1) + 1 end
local handled = 0
local ok2, msg = xpcall(rec, function(m)
  handled = handled + 1
  -- The handler itself calls functions.
  return "handled: " .. string.format("%s", tostring(m):match("stack overflow") or m)
end, 1)
assert(not ok2, "recursion without end returned")
assert(msg == "handled: stack overflow", msg)
assert(handled == 1)

-- The handler's own runaway recursion still ends, with "error in error handling" after
-- its retries, as lua5.4 reports it.
local ok3, msg3 = xpcall(rec, function(m) return rec(1) end, 1)
assert(not ok3 and msg3 == "error in error handling" or msg3:find("stack overflow"), tostring(msg3))

print(select('#', table.unpack(t, 1, 400000)))
print("handler_after_huge_varargs OK")
