-- Coroutines: create/resume/yield/status/wrap/isyieldable/running/close.

-- values passed both ways
local co = coroutine.create(function(a, b)
  assert(a == 1 and b == 2, "initial arguments")
  local c, d = coroutine.yield(a + b)
  assert(c == "x" and d == nil, "values from second resume")
  local e = coroutine.yield(c .. "!", "extra")
  return e, "end"
end)
assert(type(co) == "thread", "type thread")
assert(coroutine.status(co) == "suspended", "initially suspended")
local ok, v = coroutine.resume(co, 1, 2)
assert(ok and v == 3, "first yield value")
local ok2, v2, v3 = coroutine.resume(co, "x")
assert(ok2 and v2 == "x!" and v3 == "extra", "second yield values")
local ok3, r1, r2 = coroutine.resume(co, "last")
assert(ok3 and r1 == "last" and r2 == "end", "return values")
assert(coroutine.status(co) == "dead", "dead after return")
local ok4, msg = coroutine.resume(co)
assert(not ok4 and msg == "cannot resume dead coroutine", "resume dead: " .. tostring(msg))

-- yield with no values, resume with no values
co = coroutine.create(function() local n = select("#", coroutine.yield()); return n end)
assert(select("#", coroutine.resume(co)) == 1, "resume result with empty yield is just true")
local _, n = coroutine.resume(co)
assert(n == 0, "yield returns nothing when resumed with nothing")

-- status values: running, normal
local outer
outer = coroutine.create(function()
  assert(coroutine.status(outer) == "running", "running inside")
  local inner = coroutine.create(function()
    assert(coroutine.status(outer) == "normal", "outer is normal while inner runs")
    return "inner done"
  end)
  local iok, iv = coroutine.resume(inner)
  assert(iok and iv == "inner done", "nested resume")
  return "outer done"
end)
local ook, ov = coroutine.resume(outer)
assert(ook and ov == "outer done", "outer result")

-- running and isyieldable
local main, ismain = coroutine.running()
assert(type(main) == "thread" and ismain == true, "running in main")
assert(coroutine.isyieldable() == false, "main not yieldable")
co = coroutine.create(function()
  local me, im = coroutine.running()
  return me, im, coroutine.isyieldable()
end)
local _, me, im, y = coroutine.resume(co)
assert(me == co and im == false and y == true, "running inside coroutine")

-- resuming a running or normal coroutine fails
co = coroutine.create(function() return coroutine.resume(coroutine.running()) end)
local _, rok, rmsg = coroutine.resume(co)
assert(rok == false and rmsg == "cannot resume non-suspended coroutine", "resume running: " .. tostring(rmsg))
local parent
parent = coroutine.create(function()
  local child = coroutine.create(function() return coroutine.resume(parent) end)
  return coroutine.resume(child)
end)
local _, _, cok, cmsg = coroutine.resume(parent)
assert(cok == false and cmsg == "cannot resume non-suspended coroutine", "resume normal coroutine")

-- yield outside a coroutine
local yok, ymsg = pcall(coroutine.yield, 1)
assert(not yok and string.find(ymsg, "attempt to yield from outside a coroutine", 1, true), ymsg)

-- errors inside coroutines
co = coroutine.create(function() error("oops") end)
local eok, emsg = coroutine.resume(co)
assert(not eok and string.find(emsg, "coroutines.lua:%d+: oops"), "error with position: " .. emsg)
assert(coroutine.status(co) == "dead", "dead after error")
co = coroutine.create(function() error({code = 7}) end)
local _, eobj = coroutine.resume(co)
assert(type(eobj) == "table" and eobj.code == 7, "error object preserved")
co = coroutine.create(function() local x = nil; return x.y end)
_, emsg = coroutine.resume(co)
assert(string.find(emsg, "attempt to index a nil value (local 'x')", 1, true), emsg)

-- wrap
local gen = coroutine.wrap(function(a)
  local b = coroutine.yield(a * 2)
  coroutine.yield(b + 1)
  return "fin"
end)
assert(gen(5) == 10 and gen(7) == 8 and gen() == "fin", "wrap")
local wok, wmsg = pcall(gen)
assert(not wok and string.find(wmsg, "cannot resume dead coroutine", 1, true), "wrap of dead: " .. tostring(wmsg))
local bad = coroutine.wrap(function() error("inside wrap") end)
wok, wmsg = pcall(bad)
assert(not wok and string.find(wmsg, "coroutines.lua:%d+: inside wrap"), "wrap propagates error: " .. wmsg)
bad = coroutine.wrap(function() error({tag = "t"}) end)
wok, wmsg = pcall(bad)
assert(not wok and type(wmsg) == "table" and wmsg.tag == "t", "wrap propagates error objects")

-- generators
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local s = 0
for i in range(10) do s = s + i end
assert(s == 55, "generator in for loop")
local function permgen(a, k)
  k = k or #a
  if k <= 1 then coroutine.yield(a); return end
  for i = 1, k do
    a[k], a[i] = a[i], a[k]
    permgen(a, k - 1)
    a[k], a[i] = a[i], a[k]
  end
end
local perms = 0
for p in coroutine.wrap(function() permgen({1, 2, 3, 4}) end) do perms = perms + 1; assert(#p == 4) end
assert(perms == 24, "permutations via recursive yields")

-- producer/consumer
local producer = coroutine.create(function()
  for _, w in ipairs({"a", "b", "c"}) do coroutine.yield(w) end
end)
local words = {}
while true do
  local pok, w = coroutine.resume(producer)
  if not w then break end
  words[#words + 1] = w
  assert(pok)
end
assert(table.concat(words) == "abc", "producer/consumer")

-- coroutine.close
co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
assert(coroutine.close(co) == true and coroutine.status(co) == "dead", "close suspended")
assert(coroutine.close(coroutine.create(print)) == true, "close never-started")
co = coroutine.create(function() error("e1") end)
coroutine.resume(co)
local cl, clerr = coroutine.close(co)
assert(cl == false and string.find(clerr, "e1", 1, true), "close dead-with-error returns false and the error")
local cok2, cerr2 = pcall(coroutine.close, coroutine.running())
assert(not cok2 and string.find(cerr2, "cannot close a running coroutine", 1, true), "close running: " .. tostring(cerr2))
co = coroutine.create(function()
  local c <close> = setmetatable({}, {__close = function() error("close err", 0) end})
  coroutine.yield()
end)
coroutine.resume(co)
cl, clerr = coroutine.close(co)
assert(cl == false and clerr == "close err", "error in closer reported by close")

-- argument errors
local aok, amsg = pcall(function() return coroutine.create(1) end)
assert(not aok and string.find(amsg, "bad argument #1 to 'create' (function expected", 1, true), amsg)
aok, amsg = pcall(function() return coroutine.resume(1) end)
assert(not aok and string.find(amsg, "bad argument #1 to 'resume' (thread expected", 1, true), amsg)
aok, amsg = pcall(function() return coroutine.status({}) end)
assert(not aok and string.find(amsg, "bad argument #1 to 'status' (thread expected", 1, true), amsg)

-- many coroutines alive at once
local cos = {}
for i = 1, 1000 do
  cos[i] = coroutine.create(function(x) local y = coroutine.yield(x + 1); return y * 2 end)
  assert(select(2, coroutine.resume(cos[i], i)) == i + 1)
end
for i = 1, 1000 do assert(select(2, coroutine.resume(cos[i], i)) == i * 2) end
print("coroutines OK")
