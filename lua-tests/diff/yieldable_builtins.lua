-- pairs (calling __pairs) and dofile (running a chunk) can be yielded across, and keep
-- lua5.4's results and messages.

-- __pairs yields before handing back its iterator
local t = setmetatable({10, 20, 30}, {__pairs = function (t)
  local inc = coroutine.yield("in __pairs")
  return function (t, i)
    if i > 1 then return i - inc, t[i - inc] end
  end, t, #t + 1, "a fourth result pairs drops"
end})
local co = coroutine.wrap(function ()
  local seen = {}
  for _, v in pairs(t) do seen[#seen + 1] = v end
  print("loop saw", table.concat(seen, " "))
  print("results of pairs:", select('#', pairs(t)))
  local ok, f, s, c, d = pcall(pairs, t)
  print("pcall(pairs):", ok, type(f), s == t, c, d)
  return "done"
end)
print(co())
print(co(1))
print(co(1))
print(co(1))

-- results are truncated or padded to three
print(pairs(setmetatable({}, {__pairs = function () return 1 end})))
print(pairs(setmetatable({}, {__pairs = function () return 1, 2, 3, 4 end})))
print(select('#', pairs(setmetatable({}, {__pairs = function () end}))))
-- a native __pairs
print(select('#', pairs(setmetatable({}, {__pairs = ipairs}))))

-- errors
print(pcall(pairs))
print(pcall(pairs, setmetatable({}, {__pairs = 1})))
print(pcall(function () return pairs(setmetatable({}, {__pairs = 1})) end))
print(pcall(pairs, setmetatable({}, {__pairs = function () error("boom") end})))
local err = {}
print(select(2, pcall(pairs, setmetatable({}, {__pairs = function () error(err) end}))) == err)
local late = coroutine.wrap(function ()
  return pairs(setmetatable({}, {__pairs = function () coroutine.yield("yielded"); error("late") end}))
end)
print(pcall(late))
print(pcall(late))

-- dofile: the chunk yields twice, then returns all its results
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write[[
local x, z = coroutine.yield(10)
local y = coroutine.yield(20)
return x + y * z, "second", nil
]]
f:close()
local run = coroutine.wrap(dofile)
print(run(name))
print(run(100, 101))
print(select('#', run(200)))
print(select('#', dofile(name == "" and name or "/dev/null")))

-- inside the chunk, level 2 is dofile itself
f = assert(io.open(name, "w"))
f:write[[return debug.getinfo(2, "n").name, debug.getinfo(2, "S").what, ...]]
f:close()
print(dofile(name, "not passed on"))

-- errors raised by the chunk and by loading
f = assert(io.open(name, "w"))
f:write("error('from the chunk')")
f:close()
print((select(2, pcall(dofile, name)):gsub(name, "<tmp>", 1, true)))
f = assert(io.open(name, "w"))
f:write("x = = 1")
f:close()
print((select(2, pcall(dofile, name)):gsub(name, "<tmp>", 1, true)))
os.remove(name)
print(pcall(dofile, name .. ".missing") == false)
print(pcall(dofile, {}))
