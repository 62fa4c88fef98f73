-- Large all-literal table constructors (data files), which the parser packs: every literal
-- form, nesting, more than 50 positional items (several SetList), keys of every kind, a
-- constructor that turns non-literal after literal fields, and line numbers inside.

local parts = {"return {\n"}
for i = 1, 400 do
  parts[#parts + 1] = string.format(
    '  {id = %d, name = "item%d", price = %d.25, neg = -%d, f = - %d.5, ok = %s, none = nil,\n' ..
    '   tags = {"a", \'b\', "c%d", "tab\\tand\\65\\u{48}", [[long\n%d]], [==[x]]y]==]},\n' ..
    '   [%d] = {x = %d, y = -0.0, [true] = false, ["k k"] = {{}}, [-%d] = #"abc", n = not nil}},\n',
    i, i, i, i, i, i % 10 == 0 and "true" or "false", i, i, i, i * 3, i)
end
parts[#parts + 1] = "}\n"
local src = table.concat(parts)
local data = assert(load(src, "=data"))()

local function ser(v, out)
  local t = type(v)
  if t == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      local ta, tb = type(a), type(b)
      if ta ~= tb then return ta < tb end
      if ta == "boolean" then return (a and 1 or 0) < (b and 1 or 0) end
      return a < b
    end)
    out[#out + 1] = "{"
    for _, k in ipairs(keys) do
      out[#out + 1] = "["
      ser(k, out)
      out[#out + 1] = "]="
      ser(v[k], out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  elseif t == "string" then
    out[#out + 1] = string.format("%q", v)
  else
    out[#out + 1] = math.type(v) or tostring(v)
    out[#out + 1] = ":" .. tostring(v)
  end
end

print(#data)
for _, i in ipairs({1, 2, 49, 50, 51, 100, 399, 400}) do
  local out = {}
  ser(data[i], out)
  print(i, table.concat(out))
end
local sum = 0
for _, r in ipairs(data) do sum = sum + r.id + r.price + r.neg + r.f + r[r.id].x end
print("sum", sum)

-- Literal fields, then a variable: the same table as written out.
local y = "why"
local mixed = assert(load("local y = ... return {1, 'two', {3, {4}}, k = -5, y, [2.5] = 'f'}"))(y)
local out = {}
ser(mixed, out)
print(table.concat(out))

-- Lines inside a long constructor: an error in a non-literal field after literal ones.
local bad = "return {\n 1,\n 'x',\n {a = 1},\n nil .. 'z',\n}"
print(pcall(assert(load(bad, "=bad"))))
local bad2 = "return {\n {1,\n  2},\n {3,\n  4,\n  {5, {6,\n  7}}},\n -x,\n}"
print(pcall(assert(load(bad2, "=bad2"))))
-- A syntax error inside a packed constructor keeps its position and wording.
print(load("return {\n {1, 2},\n {3 4},\n}", "=syn"))
print(load("return {a = 1, b = {'x', [[y]] 'z'}}", "=syn2"))
