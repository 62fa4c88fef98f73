-- To-be-closed variables (<close>).
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(self, err)
    log[#log + 1] = name .. (err ~= nil and ("(" .. tostring(err) .. ")") or "")
  end})
end
local function reset() log = {} end
local function logstr() return table.concat(log, " ") end

-- closed at end of block in reverse order
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  log[#log + 1] = "body"
end
assert(logstr() == "body b a", "reverse order at block end: " .. logstr())

-- nil and false are allowed and ignored
reset()
do
  local x <close> = nil
  local y <close> = false
  local z <close> = closer("z")
end
assert(logstr() == "z", "nil/false ignored")

-- the variable is const
local f, e = load("local x <close> = nil; x = 1")
assert(f == nil and string.find(e, "attempt to assign to const variable 'x'", 1, true), "close vars are const")

-- non-closable value is an error at declaration
local ok, err = pcall(function() local x <close> = {} end)
assert(not ok and string.find(err, "variable 'x' got a non-closable value", 1, true), "non-closable: " .. tostring(err))
ok, err = pcall(function() local y <close> = 42 end)
assert(not ok and string.find(err, "variable 'y' got a non-closable value", 1, true), "number not closable")

-- closed on return, values still returned
reset()
local function ret()
  local a <close> = closer("a")
  return "r1", "r2"
end
local r1, r2 = ret()
assert(r1 == "r1" and r2 == "r2" and logstr() == "a", "closed on return")

-- return values are computed before closing
reset()
local function retexpr()
  local state = {v = 1}
  local c <close> = setmetatable({}, {__close = function() state.v = 2 end})
  return state.v
end
assert(retexpr() == 1, "return value computed before close")

-- closed on break and goto out of block
reset()
for i = 1, 3 do
  local c <close> = closer("i" .. i)
  if i == 2 then break end
end
assert(logstr() == "i1 i2", "closed on break and each iteration")
reset()
do
  local c <close> = closer("g")
  goto out
end
::out::
assert(logstr() == "g", "closed on goto out")

-- closed on error, receiving the error object
reset()
ok, err = pcall(function()
  local a <close> = closer("a")
  local b <close> = closer("b")
  error("E", 0)
end)
assert(not ok and err == "E", "error propagates")
assert(logstr() == "b(E) a(E)", "closers receive the error: " .. logstr())

-- error inside __close replaces the error; the rest still run
reset()
ok, err = pcall(function()
  local a <close> = closer("a")
  local b <close> = setmetatable({}, {__close = function(_, e2) log[#log + 1] = "b:" .. tostring(e2); error("from b", 0) end})
  local c <close> = closer("c")
  error("orig", 0)
end)
assert(not ok and err == "from b", "error in closer replaces original: " .. tostring(err))
assert(logstr() == "c(orig) b:orig a(from b)", "later closers see the new error: " .. logstr())

-- error in __close during normal exit
reset()
ok, err = pcall(function()
  local a <close> = closer("a")
  local b <close> = setmetatable({}, {__close = function() error("close failed", 0) end})
  return 1
end)
assert(not ok and err == "close failed", "error raised by closer on normal exit")
assert(logstr() == "a(close failed)", "remaining closers still run with that error")

-- closing in nested functions and tail position
reset()
local function inner()
  local c <close> = closer("inner")
  return "x"
end
local function outer()
  local c <close> = closer("outer")
  return inner() -- not a tail call because of the to-be-closed variable
end
assert(outer() == "x" and logstr() == "inner outer", "nested closes")

-- __close metamethod looked up at close time? It must exist at declaration.
local mt = {__close = function() log[#log + 1] = "late" end}
reset()
do
  local c <close> = setmetatable({}, mt)
end
assert(logstr() == "late", "metatable __close")

-- closing value from a coroutine killed by coroutine.close
reset()
local co = coroutine.create(function()
  local c <close> = closer("co")
  coroutine.yield(1)
end)
coroutine.resume(co)
assert(logstr() == "", "not closed while suspended")
assert(coroutine.close(co) == true, "close returns true")
assert(logstr() == "co", "coroutine.close runs pending closers")
assert(coroutine.status(co) == "dead", "closed coroutine is dead")

-- the close value gets called with exactly (value, nil) on normal exit
local args
do
  local c <close> = setmetatable({}, {__close = function(...) args = table.pack(...) end})
end
assert(args.n == 2 and args[2] == nil, "__close called with value and nil")
print("close OK")
