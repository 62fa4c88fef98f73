-- Natives whose common case the executor computes without a native call
-- (NativeKind::Quick): every result must be the native's, in every calling context, and
-- every other case (conversions, errors, rare forms) must still reach the native.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    if math.type(v) == "float" then t[i] = string.format("%.17g(f)", v) else t[i] = tostring(v) end
  end
  return t.n .. ":" .. table.concat(t, ",", 1, t.n)
end
-- `f(...)`'s results shown by `render`, or its error.
local function attempt(render, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then return render(table.unpack(r, 2, r.n)) end
  return "error: " .. tostring(r[2])
end
local function try(f, ...) return attempt(show, f, ...) end

print("-- math")
local nan = 0 / 0
for _, v in ipairs({0, -0.0, 1, -1, 2.5, -2.5, 1e300, -1e300, math.huge, -math.huge,
                    math.maxinteger, math.mininteger, 2^53, -2^63, 2^63, 0.1, "10", " -3 ", "0x10", "2.5e1"}) do
  print(show(v), show(math.abs(v)), show(math.floor(v)), show(math.ceil(v)),
        show(math.tointeger(v)), show(math.sqrt(v)), show(math.exp(v)))
end
print(show(math.sin(0)), show(math.cos(0)), show(math.tan(0)), show(math.sin(1)), show(math.cos(1)))
print(show(math.abs(nan) ~= math.abs(nan)), show(math.floor(nan) ~= math.floor(nan)))
print(show(math.tointeger(nan)), show(math.tointeger(3.0)), show(math.tointeger(3.5)))
print(show(math.tointeger({})), show(math.tointeger("x")), show(math.tointeger(true)))
print(try(math.abs), try(math.abs, nil), try(math.abs, "x"), try(math.abs, {}))
print(try(math.floor), try(math.floor, "1.5"), try(math.ceil, "1.5"), try(math.sqrt, "4"))
print(try(math.tointeger), try(math.sqrt), try(math.sin, true))
print(show(math.abs(-3, "extra")), show(math.floor(2.5, nil)), show(math.sqrt(16, 1, 2)))
print(show(math.max(1, 2)), show(math.max(2, 1)), show(math.max(1.5, 2.5)), show(math.max(2, 2.0)),
      show(math.max(2.0, 2)), show(math.max(1, 2.5)), show(math.max(nan, 1)), show(math.max(1, nan)))
print(show(math.min(1, 2)), show(math.min(2, 1)), show(math.min(-0.0, 0.0)), show(math.min(0.0, -0.0)),
      try(math.min, 3, "2"), show(math.max(1, 2, 3)), show(math.min(5)))
print(try(math.max), try(math.min, 1, {}), try(math.max, "a", 1))

math.randomseed(42)
local draws = {}
for i = 1, 6 do
  draws[#draws + 1] = show(math.random())
  draws[#draws + 1] = show(math.random(10))
  draws[#draws + 1] = show(math.random(-5, 5))
  draws[#draws + 1] = show(math.random(0))
  draws[#draws + 1] = show(math.random(3.0))
  draws[#draws + 1] = show(math.random(1, 2.0))
  draws[#draws + 1] = show(math.random(math.mininteger, math.maxinteger))
  draws[#draws + 1] = show(math.random(7, 7))
end
print(table.concat(draws, " "))
print(try(math.random, 2, 1), try(math.random, 0.5), try(math.random, 1, 2, 3), try(math.random, "x"))
print(show(math.random(100)), show(math.random()))
print("-- base")
for _, v in ipairs({1, 1.5, "s", true, false, {}, print, coroutine.create(print), io.stdout}) do
  io.write(type(v), " ")
end
print(type(nil), try(type))
print(select('#'), select('#', nil), select('#', nil, nil), select('#', 1, 2, 3))
print(select(2, "a", "b", "c"), select(-1, "a", "b"), try(select, "x"), try(select, 0, 1))
local t = setmetatable({10, 20, x = "x", [2.5] = "f"}, {__index = function() return "meta" end})
print(rawget(t, 1), rawget(t, 1.0), rawget(t, "x"), rawget(t, 2.5), rawget(t, 3), rawget(t, "y"), t.y)
print(rawget(t, nan), rawget(t, nil), try(rawget, 1, 2), try(rawget, t), try(rawget))
print(rawequal(t, t), rawequal(t, {}), rawequal(1, 1.0), rawequal("a", "a"), rawequal(nil, nil))
print(try(rawequal, 1), try(rawequal))

print("-- tostring, getmetatable")
for _, v in ipairs({0, -0.0, 1, -7, 0.1, 1e100, -1e-300, 2^53, 2^63, math.maxinteger, math.mininteger,
                    math.huge, -math.huge, 1/0 - 1/0 ~= 1/0 - 1/0, "s", "", true, false}) do
  io.write(tostring(v), " ")
end
print(tostring(nil), try(tostring))
print(tostring({}):match("^table: ") ~= nil, tostring(print):match("^builtin: ") ~= nil
      or tostring(print):match("^function: ") ~= nil)
local obj = setmetatable({}, {__tostring = function(o) return "OBJ" end})
local named = setmetatable({}, {__name = "MyType"})
print(tostring(obj), tostring(named):match("^MyType: ") ~= nil, try(tostring, setmetatable({}, {__tostring = function() return 1 end})))
print(try(tostring, setmetatable({}, {__tostring = function() return {} end})))
local smt = getmetatable("")
smt.__tostring = function(s) return "<" .. #s .. ">" end
print(tostring("abc"), tostring(5))
smt.__tostring = nil
debug.setmetatable(0, {__tostring = function(n) return "num" end})
print(tostring(5), tostring(2.5), tostring("abc"))
debug.setmetatable(0, nil)
print(tostring(5))
print(getmetatable({}), getmetatable(obj) ~= nil, getmetatable("").__index == string, getmetatable(1))
print(getmetatable(setmetatable({}, {__metatable = "locked"})), getmetatable(setmetatable({}, {__metatable = false})))
print(try(getmetatable), getmetatable(nil), getmetatable(print))
print("-- string")
local s = "hello, world"
for _, ij in ipairs({{1}, {5}, {-5}, {0}, {-100}, {100}, {2, 4}, {4, 2}, {1, -1}, {-3, -1},
                     {1, 0}, {0, 0}, {3, 100}, {-100, 2}, {1, 12}, {1, 13}, {2.0}, {"2", "3"}}) do
  print(ij[1], ij[2], show(s:sub(ij[1], ij[2])), show(string.sub(s, ij[1], ij[2])),
        show(s:byte(ij[1])), show(string.byte(s, ij[1], ij[2])))
end
print(show(s:byte()), show(("")):byte(), show(("x"):byte(1, -1)), show(s:byte(1, 3)))
print(s:sub(1) == s, s:sub(1, -1) == s, s:sub(2, 1), #s:sub(0), s:len(), string.len(""))
print(try(string.sub), try(string.sub, s), try(string.sub, s, "x"), try(string.sub, s, {}))
print(try(string.byte, s, "x"), try(string.byte, {}), try(string.len), try(string.len, 42))
print(show(string.sub(12345, 2, 3)), show(string.byte(12345, 2)), show(string.len(12345)))
print(try(string.sub, s, 1.5), show(string.sub(s, 2.0, 3.0)), show(string.byte(s, 2.0)))

print(show(string.char()), show(string.char(72, 105)), show(#string.char(0, 255), string.char(0, 255):byte(1, -1)), try(string.char, "x"))
print(show(string.char(65, 66, 67, 68, 69, 70, 71, 72)), show(string.char(65, 66, 67, 68, 69, 70, 71, 72, 73)))
print(try(string.char, 256), try(string.char, -1), try(string.char, 65.0), try(string.char, "66"), try(string.char, {}))
print("-- contexts")
local a, b, c = math.abs(-1), string.byte("A"), type(nil)
print(a, b, c)
local x, y = math.floor(1.5)
print(x, y)
print((math.abs(-7)), #{math.abs(-1), math.abs(-2)}, select('#', math.abs(-1)))
print(show(string.byte("ABC", 2)), ({string.byte("ABC", 2)})[1])
print(pcall(math.abs, -5), pcall(string.sub, "abc", 2), pcall(type, 1))
local co = coroutine.wrap(function(v) return math.floor(v), string.sub("xyz", 2) end)
print(co(3.7))
local m = setmetatable({}, {__index = function(_, k) return string.sub(k, 1, 1) end})
print(m.hello, m.world)
local sum, chars = 0, {}
for i = 1, #s do
  sum = sum + s:byte(i) + math.abs(-i) + math.floor(i / 2) + math.max(i, 3) + math.min(i, 3)
  chars[#chars + 1] = s:sub(i, i)
end
print(sum, table.concat(chars, "|"))
local function tail(v) return math.abs(v) end
print(tail(-9), select('#', tail(-9)))
debug.sethook(function() end, "c")
print(math.abs(-4), s:sub(1, 2), type(1), select('#', 1, 2))
debug.sethook()

print("-- tonumber")
for _, v in ipairs({1, -0.0, 2.5, "10", " 0x1F ", "1e3", "  -7  ", "inf", "nan", "1e", "0x", "",
                    "10 1", "9223372036854775807", "9223372036854775808", "-0x8000000000000000",
                    "0x1p4", "1.", ".5", "5e-1", true, false, {}, print}) do
  print(show(tonumber(v)), show(tonumber(v, nil)))
end
print(try(tonumber), show(tonumber(nil)), try(tonumber, "10", 2), try(tonumber, "z", 36))
print(try(tonumber, 10, 16), try(tonumber, "10", 99), try(tonumber, "ff", 16, "extra"))
print(select('#', tonumber("1")), select('#', tonumber("x")), (tonumber("0x10")))
local nums = 0
for i = 1, 200 do nums = nums + tonumber(tostring(i)) + (tonumber(i .. ".5") or 0) end
print(nums)

print("-- log, atan, fmod")
-- NaN prints as "nan" or "-nan" depending on the platform: shown as "NaN" here.
local function shownum(...)
  local t = table.pack(...)
  for k = 1, t.n do
    if t[k] ~= t[k] then t[k] = "NaN" end
  end
  return show(table.unpack(t, 1, t.n))
end
local function trynum(f, ...) return attempt(shownum, f, ...) end
for _, v in ipairs({1, 2, 8, 10, 100, 0.5, 0, -0.0, -1, 1e308, math.huge, 7}) do
  print(shownum(math.log(v)), shownum(math.log(v, 2)), shownum(math.log(v, 10)),
        shownum(math.log(v, 3)), shownum(math.log(v, nil)), shownum(math.atan(v)),
        shownum(math.atan(v, -2)), shownum(math.atan(-v, 0.5)))
end
print(try(math.log), try(math.log, "8", 2), try(math.log, 8, "2"), try(math.log, {}), try(math.log, 8, {}))
-- Debian's lua5.4 also has `math.atan2`, the same function, and its error names either one
-- (whichever its search of the loaded modules meets first).
local function tryatan(...) return (try(math.atan, ...):gsub("'math%.atan2'", "'math.atan'")) end
print(tryatan(), tryatan("1"), tryatan(1, "2"), tryatan(1, {}), show(math.atan(1, nil)))
for _, p in ipairs({{7, 3}, {-7, 3}, {7, -3}, {math.mininteger, -1}, {5, 1}, {7.5, 2.0}, {-7.5, 2.0},
                    {7, 2.5}, {2.5, 7}, {1.0, 0.0}, {math.huge, 1.0}, {1.0, math.huge}, {"7", 3},
                    {1.0, -0.0}}) do
  print(trynum(math.fmod, p[1], p[2]))
end
-- lua5.4's fmod checks its second argument first.
print(try(math.fmod, 1, 0), try(math.fmod, 1), try(math.fmod), try(math.fmod, {}, 1), try(math.fmod, {}, {}))
local acc = 0
for i = 1, 300 do acc = acc + math.log(i) + math.atan(i, 3) + math.fmod(i, 7) + math.fmod(i + 0.5, 2.0) end
print(string.format("%.10f", acc))
