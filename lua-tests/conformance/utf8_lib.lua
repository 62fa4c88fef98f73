-- The utf8 library (reference manual 6.5), including its error messages.
local function err(f)
  local ok, e = pcall(f)
  assert(not ok, "expected error")
  return e
end
local function has(s, part) return string.find(s, part, 1, true) ~= nil end

assert(package.loaded.utf8 == utf8 and require("utf8") == utf8, "registered")

-- char: one to six bytes, up to 2^31 - 1
assert(utf8.char() == "", "char with no arguments")
assert(utf8.char(72, 105) == "Hi", "ascii")
assert(utf8.char(0xE9) == "\xC3\xA9", "two bytes")
assert(utf8.char(0x20AC) == "\xE2\x82\xAC", "three bytes")
assert(utf8.char(0x10FFFF) == "\xF4\x8F\xBF\xBF", "four bytes")
assert(utf8.char(0x200000) == "\xF8\x88\x80\x80\x80", "five bytes")
assert(utf8.char(0x7FFFFFFF) == "\xFD\xBF\xBF\xBF\xBF\xBF", "six bytes")
assert(utf8.char("65", 66.0) == "AB", "numeric strings and integral floats")
assert(has(err(function() return utf8.char(0x80000000) end), "bad argument #1 to 'char' (value out of range)"), "char too big")
assert(has(err(function() return utf8.char(65, -1) end), "bad argument #2 to 'char' (value out of range)"), "char negative")
assert(has(err(function() return utf8.char(1.5) end), "number has no integer representation"), "char float")

-- charpattern matches one sequence
assert(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*", "charpattern")
local pieces = {}
for c in string.gmatch("a\u{E9}\u{20AC}", utf8.charpattern) do pieces[#pieces + 1] = c end
assert(#pieces == 3 and pieces[2] == "\u{E9}" and pieces[3] == "\u{20AC}", "gmatch with charpattern")

-- len: counts characters starting in [i, j]; fail plus position on invalid bytes
local s = "a\u{E9}\u{20AC}\u{10348}"   -- bytes: 1, 2-3, 4-6, 7-10
assert(utf8.len(s) == 4 and #s == 10, "len")
assert(utf8.len("") == 0, "len of empty string")
assert(utf8.len(s, 2) == 3 and utf8.len(s, 4, 6) == 1, "len of a range")
assert(utf8.len(s, -4) == 1, "negative start")
assert(utf8.len(s, 11) == 0, "start just past the end")
local n, pos = utf8.len(s, 3)
assert(n == nil and pos == 3, "start on a continuation byte")
n, pos = utf8.len("abc\xE3def")
assert(n == nil and pos == 4, "truncated sequence")
assert(select("#", utf8.len("\xFF")) == 2, "fail returns two values")
assert(utf8.len("\xC0\x80") == nil, "overlong encoding rejected")
assert(utf8.len("\u{D800}") == nil and utf8.len("\u{D800}", 1, -1, true) == 1, "surrogates need lax")
assert(utf8.len("\u{7FFFFFFF}") == nil and utf8.len("\u{7FFFFFFF}", 1, -1, true) == 1, "beyond U+10FFFF needs lax")
assert(has(err(function() return utf8.len("abc", 5) end), "bad argument #2 to 'len' (initial position out of bounds)"), "len start")
assert(has(err(function() return utf8.len("abc", 0) end), "initial position out of bounds"), "len start 0")
assert(has(err(function() return utf8.len("abc", 1, 4) end), "bad argument #3 to 'len' (final position out of bounds)"), "len end")

-- codepoint: code points of the characters starting in [i, j] (j defaults to i)
assert(utf8.codepoint(s) == 97, "first code point")
local a, b, c, d = utf8.codepoint(s, 1, -1)
assert(a == 97 and b == 0xE9 and c == 0x20AC and d == 0x10348, "all code points")
assert(utf8.codepoint(s, 4) == 0x20AC, "code point at a position")
assert(select("#", utf8.codepoint(s, 3, 2)) == 0, "empty range")
assert(utf8.codepoint("\u{DFFF}", 1, 1, true) == 0xDFFF, "lax surrogate")
assert(has(err(function() return utf8.codepoint(s, 3) end), "invalid UTF-8 code"), "continuation byte")
assert(has(err(function() return utf8.codepoint("\u{D800}") end), "invalid UTF-8 code"), "strict surrogate")
assert(has(err(function() return utf8.codepoint(s, 0) end), "bad argument #2 to 'codepoint' (out of bounds)"), "codepoint start")
assert(has(err(function() return utf8.codepoint(s, 1, 11) end), "bad argument #3 to 'codepoint' (out of bounds)"), "codepoint end")

-- offset: byte position of the n-th character
assert(utf8.offset(s, 1) == 1 and utf8.offset(s, 3) == 4 and utf8.offset(s, 4) == 7, "offset forward")
assert(utf8.offset(s, 5) == 11, "one past the last character")
assert(utf8.offset(s, 6) == nil, "beyond the end")
assert(utf8.offset(s, -1) == 7 and utf8.offset(s, -4) == 1, "offset backward")
assert(utf8.offset(s, -5) == nil, "before the start")
assert(utf8.offset(s, 0, 5) == 4 and utf8.offset(s, 0, 1) == 1, "start of the enclosing character")
assert(utf8.offset(s, 2, 4) == 7 and utf8.offset(s, -1, 4) == 2, "relative to a position")
assert(utf8.offset("alo", 4) == 4 and utf8.offset("alo", 5) == nil, "ascii offsets")
assert(has(err(function() return utf8.offset(s, 1, 3) end), "initial position is a continuation byte"), "offset on continuation")
assert(has(err(function() return utf8.offset("abc", 1, 5) end), "bad argument #3 to 'offset' (position out of bounds)"), "offset position")
assert(has(err(function() return utf8.offset("", 1, -1) end), "position out of bounds"), "offset in empty string")

-- codes: position and code point of each character
local got = {}
for p, cp in utf8.codes(s) do got[#got + 1] = p .. "=" .. cp end
assert(table.concat(got, ",") == "1=97,2=233,4=8364,7=66376", "codes")
local count = 0
for _ in utf8.codes("") do count = count + 1 end
assert(count == 0, "codes of the empty string")
got = {}
for p, cp in utf8.codes("\u{D800}x", true) do got[#got + 1] = p .. "=" .. cp end
assert(table.concat(got, ",") == "1=55296,4=120", "lax codes")
assert(has(err(function() for _ in utf8.codes("ab\xFF") do end end), "invalid UTF-8 code"), "codes invalid byte")
assert(has(err(function() for _ in utf8.codes("\u{110000}") do end end), "invalid UTF-8 code"), "codes beyond U+10FFFF")
assert(has(err(function() return utf8.codes(nil) end), "bad argument #1 to 'codes' (string expected, got nil)"), "codes argument")
local step = utf8.codes("")
assert(step("", 2) == nil and step("", -1) == nil and step("", math.mininteger) == nil, "iterator past the end")
local p2, cp2 = step("ab", 1)
assert(p2 == 2 and cp2 == 98, "iterator called directly")

print("utf8_lib OK")
