-- Generates a large Lua file for compile-memory measurements (docs/performance.md):
--   lua5.4 gen_large.lua data|code SIZE_IN_BYTES OUT.lua
-- "data": one returned constructor of records; "code": many small functions.
local kind, target, out = arg[1], tonumber(arg[2]), arg[3]
local f = assert(io.open(out, "w"))
math.randomseed(42)
local size = 0
local function w(s) f:write(s); size = size + #s end
if kind == "data" then
  w("return {\n")
  local i = 0
  while size < target - 200 do
    i = i + 1
    w(string.format('  {id = %d, name = "item%d", price = %.2f, tags = {"a", "b", "c%d"}, pos = {x = %d, y = %d}},\n',
      i, i, math.random(100, 9999) / 100, i % 10, math.random(0, 999), math.random(0, 999)))
  end
  w("}\n")
else
  -- many small functions, grouped 1000 to a loader function (a chunk may hold at most
  -- 65535 functions directly in wayfinder)
  w("local M = {}\n")
  local i = 0
  while size < target - 200 do
    if i % 1000 == 0 then w(string.format("local function group%d()\n", i // 1000)) end
    i = i + 1
    w(string.format('function M.f%d(a, b)\n  local t = {a, b, "s%d"}\n  if a > b then return a + %d else return t[1] * b end\nend\n', i, i, i))
    if i % 1000 == 0 then w(string.format("end\ngroup%d()\n", i // 1000 - 1)) end
  end
  if i % 1000 ~= 0 then w(string.format("end\ngroup%d()\n", i // 1000)) end
  w('print("done")\nreturn M\n')
end
f:close()
