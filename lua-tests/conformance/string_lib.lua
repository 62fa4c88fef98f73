-- String library basics (pack/unpack/dump are out of scope).
local function err(f)
  local ok, e = pcall(f)
  assert(not ok, "expected error")
  return e
end

-- len / # / concat / comparison
assert(string.len("") == 0 and string.len("abc") == 3 and ("a\0b"):len() == 3, "len")
assert("ab" .. "cd" == "abcd", "concat")
assert("a" < "b" and "abc" < "abd" and "ab" < "abc", "comparison")

-- sub with all index forms
local s = "hello world"
assert(s:sub(1, 5) == "hello", "sub 1,5")
assert(s:sub(7) == "world", "sub from 7")
assert(s:sub(-5) == "world", "negative start")
assert(s:sub(-5, -2) == "worl", "negative end")
assert(s:sub(0) == s, "start 0 clamps to 1")
assert(s:sub(5, 2) == "", "empty range")
assert(s:sub(100) == "", "start beyond end")
assert(s:sub(-100, 3) == "hel", "start before beginning clamps")
assert(s:sub(3, 100) == "llo world", "end beyond length clamps")
assert(s:sub(math.mininteger, math.maxinteger) == s, "extreme indices")
assert(s:sub(2.0, 3) == "el", "float indices with integral values")
assert(string.find(err(function() return s:sub(1.5) end), "number has no integer representation", 1, true), "sub with 1.5")
assert(("x"):sub("1") == "x", "string index converted")

-- upper / lower / reverse / rep
assert(string.upper("abC1!") == "ABC1!", "upper")
assert(string.lower("AbC1!") == "abc1!", "lower")
assert(string.reverse("abc") == "cba" and string.reverse("") == "", "reverse")
assert(string.rep("ab", 3) == "ababab", "rep")
assert(string.rep("ab", 3, ",") == "ab,ab,ab", "rep with separator")
assert(string.rep("x", 0) == "" and string.rep("x", -1) == "", "rep zero/negative")
assert(string.rep("x", 1, "sep") == "x", "rep once ignores separator")
assert(string.rep("", 1000) == "", "rep empty string")
assert(("ab"):rep(2, "") == "abab", "rep empty separator")
assert(#string.rep("a", 100000) == 100000, "long rep")
assert(string.find(err(function() return string.rep("x", 1 << 62) end), "resulting string too large", 1, true), "rep too large")

-- byte / char
assert(string.byte("A") == 65, "byte default index")
assert(string.byte("abc", 2) == 98, "byte index")
assert(string.byte("abc", -1) == 99, "byte negative index")
local b1, b2, b3 = string.byte("abc", 1, 3)
assert(b1 == 97 and b2 == 98 and b3 == 99, "byte range")
assert(select("#", string.byte("abc", 4)) == 0, "byte out of range returns nothing")
assert(select("#", string.byte("")) == 0, "byte of empty string")
assert(select("#", string.byte("abc", 0, 10)) == 3, "byte range clamps")
assert(select("#", string.byte("hi", -3)) == 0, "byte end defaults to the unclamped start")
assert(string.char() == "", "char of nothing")
assert(string.char(72, 105) == "Hi", "char")
assert(string.char(0, 255) == "\0\255", "char extremes")
assert(string.find(err(function() return string.char(256) end), "bad argument #1 to 'char' (value out of range)", 1, true), "char 256")
assert(string.find(err(function() return string.char(65, -1) end), "bad argument #2 to 'char' (value out of range)", 1, true), "char -1")
assert(string.find(err(function() return string.char("x") end), "bad argument #1 to 'char' (number expected, got string)", 1, true), "char type")

-- method syntax and string metatable
assert(("x"):rep(3) == "xxx", "method on literal")
local str = "abc"
assert(str:upper() == "ABC" and str:len() == 3 and str:byte(1) == 97, "method on variable")
assert(("%d"):format(5) == "5", "format as method")
assert(string.find(err(function() return (5):upper() end), "attempt to index a number value", 1, true), "no methods on numbers")

-- numbers accepted where strings are expected
assert(string.len(123) == 3, "len of number")
assert(string.upper(1.5) == "1.5", "number converted to string")
assert(string.rep(1, 3) == "111", "rep of number")
assert(string.find(err(function() return string.upper({}) end), "bad argument #1 to 'upper' (string expected, got table)", 1, true), "upper table")
assert(string.find(err(function() return string.upper() end), "bad argument #1 to 'upper' (string expected, got no value)", 1, true), "upper no value")
assert(string.find(err(function() return ("x"):rep() end), "bad argument #1 to 'rep' (number expected, got no value)", 1, true), "method call argument numbering")

-- string.len and # agree on embedded zeros and high bytes
local bin = "\0\1\2\255"
assert(#bin == 4 and bin:byte(4) == 255, "binary strings")
assert(("\xff\xfe"):upper() == "\xff\xfe", "upper leaves non-ascii alone")

-- strings are immutable values: functions return new strings
local orig = "abc"
local up = orig:upper()
assert(orig == "abc" and up == "ABC", "immutability")

-- interning-independent equality
local built = ("a"):rep(40) .. "b"
local literal = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
assert(built == literal, "long strings compare by value")
local t = {}
t[built] = 1
assert(t[literal] == 1, "long strings as keys by value")

-- tostring/tonumber round trip for strings
assert(tostring("x") == "x", "tostring of a string")
assert(string.format("%q", "a\nb\0c\"") == '"a\\\nb\\0c\\""', "%q escaping")
print("string_lib OK")
