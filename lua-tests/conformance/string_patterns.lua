-- find / match / gmatch / gsub and the pattern language.
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end
local function pack(...) return {n = select("#", ...), ...} end

-- find: plain and patterns, init, captures
assert(string.find("hello world", "o") == 5, "find first")
local s, e = string.find("hello world", "wor")
assert(s == 7 and e == 9, "find range")
assert(string.find("hello", "l", 4) == 4, "find with init")
assert(string.find("hello", "l", -2) == 4, "find with negative init")
assert(string.find("hello", "xyz") == nil, "not found")
assert(string.find("a.b", ".", 1, true) == 2 and string.find("a.b", ".") == 1, "plain find of '.'")
assert(string.find("a.b", "%.") == 2, "escaped dot")
assert(string.find("a+b", "+", 1, true) == 2, "plain find of special")
s, e = string.find("", "")
assert(s == 1 and e == 0, "empty pattern on empty string")
assert(string.find("abc", "", 10) == nil, "init beyond length + 1")
assert(string.find("abc", "", 4) == 4, "init at length + 1")
local r = pack(string.find("key = value", "(%w+)%s*=%s*(%w+)"))
assert(r.n == 4 and r[1] == 1 and r[2] == 11 and r[3] == "key" and r[4] == "value", "find with captures")
assert(select(3, string.find("hello", "()ll()")) == 3, "position captures")

-- match
assert(string.match("hello 123", "%d+") == "123", "match digits")
assert(string.match("hello", "(h)(e)") == "h", "first capture")
local a, b = string.match("hello", "(h)(e)")
assert(a == "h" and b == "e", "two captures")
assert(string.match("  trim  ", "^%s*(.-)%s*$") == "trim", "trim idiom")
assert(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)") == "2024", "date")
assert(string.match("abc", "()b()") == 2, "position capture")
assert(math.type(string.match("abc", "()")) == "integer", "position capture is integer")
assert(string.match("hello", ".", -1) == "o", "match with negative init")
assert(string.match("abc", "^b") == nil, "anchor")
assert(string.match("abc", "^a") == "a", "anchor at start")
assert(string.match("a^b", "%^b") == "^b", "escaped caret")
assert(string.match("a^b", "a^b") == "a^b", "caret not at start is literal")
assert(string.match("abc$", "c%$$") == "c$", "dollar")
assert(string.match("x$y", "$y") == "$y", "dollar not at end is literal")

-- character classes
assert(string.match("abc123", "%a+") == "abc", "%a")
assert(string.match("abc123", "%d+") == "123", "%d")
assert(string.match("  x", "%s+") == "  ", "%s")
assert(string.match("Hello", "%u") == "H" and string.match("Hello", "%l+") == "ello", "%u %l")
assert(string.match("a,b", "%p") == ",", "%p")
assert(string.match("\t\n", "%c+") == "\t\n", "%c")
assert(string.match("ff", "%x+") == "ff" and string.match("fg", "%x+") == "f", "%x")
assert(string.match("a_1", "%w+") == "a", "%w excludes underscore")
assert(string.match("abc", "%A") == nil and string.match("ab1", "%A") == "1", "complemented class")
assert(string.match("x\0y", "%z") == nil or true, "%z deprecated but harmless")
assert(string.match("hello", "[aeiou]") == "e", "set")
assert(string.match("hello", "[^hel]") == "o", "negated set")
assert(string.match("a-z", "[a%-z]+") == "a-z", "escaped dash in set")
assert(string.match("b", "[a-c]") == "b", "range in set")
assert(string.match("]", "[]]") == "]", "] first in set")
assert(string.match("^", "[%^]") == "^", "escaped ^ in set")
assert(string.match("x1_", "[%w_]+") == "x1_", "class inside set")
assert(string.match("ab-", "[a-]+") == "a", "trailing dash literal") -- matches 'a' then stops at b
assert(string.match(".", "[.]") == ".", "dot in set is literal")

-- quantifiers
assert(string.match("aaa", "a*") == "aaa", "*")
assert(string.match("aaa", "a-") == "", "- lazy")
assert(string.match("aaab", "a-b") == "aaab", "- expands as needed")
assert(string.match("b", "a+") == nil, "+ needs one")
assert(string.match("color colour", "colou?r") == "color", "?")
assert(string.match("<a><b>", "<.->") == "<a>", "lazy angle brackets")
assert(string.match("<a><b>", "<.*>") == "<a><b>", "greedy angle brackets")

-- captures: back references, balanced, frontier
assert(string.match('"quoted" text', '(["\'])(.-)%1') == '"', "back reference capture")
assert(select(2, string.match('x = "a\'b"', '(["\'])(.-)%1')) == "a'b", "back reference content")
assert(string.match("f(a(b)c)d", "%b()") == "(a(b)c)", "%b")
assert(string.match("[[x]]", "%b[]") == "[[x]]", "%b nested brackets")
assert(string.match("THE (quick) fox", "%f[%a]%a+") == "THE", "frontier at start")
local words = {}
for w in string.gmatch("THE (quick) fox", "%f[%a]%a+%f[%A]") do words[#words + 1] = w end
assert(#words == 3 and words[2] == "quick", "frontier words")
assert(string.match("abc", "((a)(b))") == "ab", "nested captures")
local c1, c2, c3 = string.match("abc", "((a)(b))")
assert(c1 == "ab" and c2 == "a" and c3 == "b", "nested capture order")

-- gmatch
local list = {}
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do list[#list + 1] = k .. v end
assert(table.concat(list, ";") == "a1;b2;c3", "gmatch pairs")
local n = 0
for _ in string.gmatch("abc", "") do n = n + 1 end
assert(n == 4, "gmatch empty pattern matches at each position")
local anchored = {}
for w in string.gmatch("a^a^a", "^a") do anchored[#anchored + 1] = w end
assert(#anchored == 2 and anchored[1] == "^a", "in gmatch a leading ^ is a literal character: " .. #anchored)
local fromInit = {}
for w in string.gmatch("one two three", "%a+", 5) do fromInit[#fromInit + 1] = w end
assert(#fromInit == 2 and fromInit[1] == "two", "gmatch with init (5.4)")
local it = string.gmatch("x y", "%a")
assert(it() == "x" and it() == "y" and it() == nil, "gmatch iterator called directly")

-- gsub with string replacement
assert(string.gsub("hello", "l", "L") == "heLLo", "gsub string")
assert(select(2, string.gsub("hello", "l", "L")) == 2, "gsub count")
assert(string.gsub("hello", "l", "L", 1) == "heLlo", "gsub max n")
assert(string.gsub("hello world", "(%w+)", "<%1>") == "<hello> <world>", "%1 in replacement")
assert(string.gsub("abc", "%w", "%0%0") == "aabbcc", "%0 whole match")
assert(string.gsub("abc", "b", "%%") == "a%c", "%% in replacement")
assert(string.gsub("hello world", "(%w+) (%w+)", "%2 %1") == "world hello", "swap")
assert(string.gsub("abc", "", "-") == "-a-b-c-", "empty pattern gsub")
assert(string.gsub("abc", "x*", "-") == "-a-b-c-", "empty matches")
assert(string.gsub("", "x*", "-") == "-", "gsub on empty string")
assert(string.find(err(function() return string.gsub("abc", "b", "%2") end), "invalid capture index %2", 1, true), "bad capture index")
assert(string.find(err(function() return string.gsub("abc", "b", "%x") end), "invalid use of '%' in replacement string", 1, true), "bad escape in replacement")

-- gsub with table replacement
local vars = {name = "Lua", version = "5.4"}
assert(string.gsub("$name $version $missing", "%$(%w+)", vars) == "Lua 5.4 $missing", "table replacement; missing keeps match")
assert(string.gsub("abc", "%w", {a = 1, b = true and "B"}) == "1Bc", "table values: number and string")
assert(string.gsub("abc", "%w", {a = false}) == "abc", "false keeps the match")
assert(string.find(err(function() return string.gsub("abc", "%w", {a = {}}) end), "invalid replacement value (a table)", 1, true), "table value invalid")

-- gsub with function replacement
assert(string.gsub("1 2 3", "%d", function(d) return d * 2 end) == "2 4 6", "function replacement")
assert(string.gsub("abc", "%w", function() end) == "abc", "nil keeps the match")
assert(string.gsub("a=1", "(%w)=(%w)", function(k, v) return v .. "=" .. k end) == "1=a", "function gets captures")
assert(string.gsub("abc", "()", function(p) return p end) == "1a2b3c4", "position captures to function")
local calls = 0
string.gsub("aaa", "a", function() calls = calls + 1 end, 2)
assert(calls == 2, "max n limits function calls")
assert(string.find(err(function() return string.gsub("a", "a", function() return {} end) end), "invalid replacement value (a table)", 1, true), "function returning table")

-- bad patterns
assert(string.find(err(function() return string.find("a", "(") end), "unfinished capture", 1, true), "unfinished capture")
assert(string.find(err(function() return string.find("a", "%") end), "malformed pattern (ends with '%')", 1, true), "ends with %")
assert(string.find(err(function() return string.find("a", "[a") end), "malformed pattern (missing ']')", 1, true), "missing ]")
assert(string.find(err(function() return string.find("a", "%1") end), "invalid capture index %1", 1, true), "bad back reference")
assert(string.find(err(function() return string.match("a", "%b") end), "malformed pattern (missing arguments to '%b')", 1, true), "%b without args")
assert(string.find(err(function() return string.match("a", "%f") end), "missing '[' after '%f' in pattern", 1, true), "%f without set")
assert(string.find(err(function() return string.rep("x", 10) :find(string.rep("(", 40)) end), "too many captures", 1, true), "too many captures")

-- special characters in subject are plain data
assert(string.find("a\0b", "\0", 1, true) == 2, "NUL in plain find")
assert(string.find("a\0b", "%z") == 2 or string.find("a\0b", "\0") == 2, "NUL in pattern")
assert(string.match("x\0y", "x(.)y") == "\0", "dot matches NUL")
-- gmatch from past the end finds nothing, not even an empty match
do
  local n = 0
  for _ in string.gmatch("11 21 31", "%w*", 9) do n = n + 1 end
  assert(n == 1, "gmatch: the empty string at the end of the subject")
  n = 0
  for _ in string.gmatch("11 21 31", "%w*", 10) do n = n + 1 end
  assert(n == 0, "gmatch: nothing after the end of the subject")
end

-- gsub without replacements returns the subject itself
do
  local s = string.rep("a", 100)
  assert(string.format("%p", string.gsub(s, "b", "c")) == string.format("%p", s), "gsub: no match")
  assert(string.format("%p", string.gsub(s, ".", {x = "y"})) == string.format("%p", s), "gsub: table gives nothing")
  assert(string.format("%p", string.gsub(s, ".", function () end)) == string.format("%p", s), "gsub: function gives nothing")
  assert(string.format("%p", string.gsub(s, ".", "%0")) ~= string.format("%p", s), "gsub: string replacement is a change")
  assert(string.gsub(123, "x", "y") == "123", "gsub: number subject")
end

print("string_patterns OK")
