-- Functions with more than 65,536 constants (generated data files): lua5.4 accepts
-- millions. Also through string.dump and load of the binary chunk.
local N = 200000
local parts = {}
for i = 1, N do parts[i] = string.format("%q", "s" .. i) end
local src = "return {" .. table.concat(parts, ",") .. "}"
local t = assert(load(src))()
assert(#t == N and t[1] == "s1" and t[65536] == "s65536" and t[65537] == "s65537")
assert(t[N] == "s" .. N)

-- Floats, big integers and strings mixed, used as operands, keys and arguments.
parts = {}
for i = 1, 100000 do
  parts[#parts + 1] = string.format("x = x + %d.5", i)
end
parts[#parts + 1] = "local k = 'key' .. 100001"
parts[#parts + 1] = "t[k] = 1e300; t.last = 'last'; t[1000000001] = 'big'"
parts[#parts + 1] = "return x, t"
local f = assert(load("local x, t = 0, {} " .. table.concat(parts, "\n")))
local x, tt = f()
assert(x == 100000 * 100001 / 2 + 0.5 * 100000, x)
assert(tt.key100001 == 1e300 and tt.last == "last" and tt[1000000001] == "big")

-- A method call and a global whose names are past constant 65,536.
parts = {}
for i = 1, 70000 do parts[i] = "acc = acc + " .. (1000000 + i) end
local g = assert(load("local acc = 0\n" .. table.concat(parts, "\n") .. [[
  assert(acc == 70000 * 1000000 + 70000 * 70001 // 2)
  local o = {}
  function o:method_past_the_limit() return "m" end
  global_past_the_limit = o:method_past_the_limit()
  return global_past_the_limit, 70000.25, "tail string"
]]))
local a, b, c = g()
assert(a == "m" and b == 70000.25 and c == "tail string")
assert(global_past_the_limit == "m")

-- string.dump and load of the binary chunk keep the wide constant loads.
local dumped = string.dump(assert(load(src)))
local t2 = assert(load(dumped, "dumped", "b"))()
assert(#t2 == N and t2[65537] == "s65537" and t2[N] == "s" .. N)
local g2 = assert(load(string.dump(g), "g2", "b"))
assert(select(3, g2()) == "tail string")

print("many constants OK")
