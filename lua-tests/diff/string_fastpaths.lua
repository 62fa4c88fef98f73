-- The string fast paths: `s:method()` lookup through the string metatable, the cache of
-- short run-time strings, allocation-free find/match captures, tostring of integers and
-- booleans, and format/gsub/concatenation built in the shared scratch buffer.

local smt = getmetatable("")
local strlib = smt.__index

-- Method lookup on a string receiver.
local s = "hello world"
print(s:sub(1, 5), s:upper(), s:len(), ("x"):rep(3, "-"))
print(pcall(function() return s:nosuch() end))

-- __index replaced by a function: it is called with the string and the name.
smt.__index = function(str, name)
  return function(self, ...) return "fn:" .. name .. ":" .. self .. ":" .. select("#", ...) end
end
print(s:whatever(1, 2))
print(("abc"):sub(1))

-- __index a table with its own __index chain.
local base = setmetatable({}, { __index = strlib })
local mid = { shout = function(self) return self:upper() .. "!" end }
setmetatable(mid, { __index = base })
smt.__index = mid
print(s:shout(), s:sub(7), s:byte(1))
print(pcall(function() return s:nosuch() end))

-- __index nil: indexing a string is an error.
smt.__index = nil
print(pcall(function() return s:sub(1) end))
smt.__index = strlib

-- sub of the whole string and of pieces.
print(s:sub(1, -1) == s, s:sub(0) == s, s:sub(-100, 100), s:sub(3, 2) == "", #s:sub(5, 5))

-- Short strings made at run time: many distinct ones, and the same ones again.
local seen, distinct = {}, 0
for round = 1, 3 do
  for i = 1, 2000 do
    local k = ("k" .. i):sub(1)
    local piece = ("key_%d_x"):format(i):sub(1, -3)
    if round == 1 then
      seen[piece] = i
      distinct = distinct + 1
    else
      assert(seen[piece] == i, piece)
      assert(k == "k" .. i)
    end
  end
end
print("distinct", distinct)
local words = {}
for w in ("alpha beta gamma alpha beta alpha"):gmatch("%a+") do
  words[w] = (words[w] or 0) + 1
end
print(words.alpha, words.beta, words.gamma)
local long = string.rep("ab", 30)
print(long:sub(1, 40) == long:sub(21, 60), #long:sub(1, 41), long:sub(1, 41) == long:sub(1, 41))

-- find and match: captures straight from the matcher.
print(("key = value"):find("(%w+)%s*=%s*(%w+)"))
print(("key = value"):match("(%w+)%s*=%s*(%w+)"))
print(("  ,  x"):match("^[ \n\r\t]*,[ \n\r\t]*()"))
print(("abc"):match("()b()"), ("abc"):find("b()"), ("abc"):match("b"), ("abc"):match("x"))
print(("hello"):find("l+"), ("hello"):find("l", 1, true), ("hello"):find("", 10))
print(pcall(string.match, "abc", "(b"))
print(pcall(string.find, "abc", "(b"))
print(pcall(string.match, "abc", "%"))
print(("x=1, y=22"):match("y=(%d+)"), ("[[x]]"):match("%[(%b[])%]"))

-- tostring of integers and booleans.
print(tostring(0), tostring(-7), tostring(math.maxinteger), tostring(math.mininteger))
print(tostring(true), tostring(false), tostring(12345678901234), tostring(-0.0), tostring(1e100))
print(1 .. "", -42 .. "|" .. math.mininteger .. "|" .. 3.5)

-- format and gsub in the scratch buffer: short and long results, nesting.
local mt = { __tostring = function(t) return ("<%s:%d>"):format(t.name, #(t.name .. "xyz")) end }
local obj = setmetatable({ name = "obj" }, mt)
print(("%s and %s"):format(obj, ("%5.2f"):format(3.14159)))
local big = ("%s"):rep(100, ","):format(table.unpack((function()
  local t = {}
  for i = 1, 100 do t[i] = ("item%03d"):format(i) end
  return t
end)()))
print(#big, big:sub(1, 30), big:sub(-20))
print(("%.17g %.14g %g %d %x %q"):format(0.1, 1 / 3, 1e20, -5, 255, "a\nb"))
print(("hello world"):gsub("o", "0"), ("hello"):gsub("x", "y"), ("abc"):gsub("", "-"))
print(("hello world from lua"):gsub("%w+", function(w) return ("%s(%d)"):format(w, #w) end))
print(("a,b,c"):gsub("[^,]+", { a = "A", c = ("%s"):format("C") }))
local longsubj = string.rep("xy", 400)
local r, n = longsubj:gsub("y", "Y")
print(#r, n, r:sub(1, 10), select(2, longsubj:gsub("z", "")))

-- Concatenation of runs of strings and numbers.
local a, b, c = "a", 2, 3.0
print(a .. b .. c, b .. c, #(string.rep("q", 500) .. a .. b), ("x"):rep(2) .. 10 // 3)
print("strings OK")
