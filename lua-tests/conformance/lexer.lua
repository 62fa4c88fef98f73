-- Lexer: numerals, string escapes, long strings and comments.

-- decimal integers and floats
assert(math.type(0) == "integer", "0 is integer")
assert(math.type(123) == "integer", "123 is integer")
assert(math.type(1.0) == "float", "1.0 is float")
assert(math.type(1.) == "float", "1. is float")
assert(.5 == 0.5, ".5")
assert(1e2 == 100.0 and math.type(1e2) == "float", "1e2 is float 100")
assert(1E2 == 100, "1E2")
assert(1e+2 == 100 and 1e-2 == 0.01, "signed exponents")
assert(3.25e1 == 32.5, "3.25e1")
assert(0.1e0 == 0.1, "0.1e0")

-- hexadecimal integers and floats
assert(0x10 == 16 and math.type(0x10) == "integer", "0x10")
assert(0XfF == 255, "0XfF")
assert(0xA == 10 and 0Xa == 10, "hex digit case")
assert(0x.8 == 0.5, "0x.8")
assert(0x1p4 == 16.0 and math.type(0x1p4) == "float", "0x1p4")
assert(0x1P-1 == 0.5, "0x1P-1")
assert(0xA.8p0 == 10.5, "0xA.8p0")
assert(0x.1p4 == 1.0, "0x.1p4")
assert(0x1.8 == 1.5, "0x1.8 is float")
-- hex integers wrap around modulo 2^64
assert(0xffffffffffffffff == -1, "hex wraps to -1")
assert(0x7fffffffffffffff == math.maxinteger, "0x7fff... is maxinteger")
assert(0x8000000000000000 == math.mininteger, "0x8000... is mininteger")
assert(0x10000000000000000 == 0, "hex wraps past 2^64")

-- decimal integer overflow becomes a float
assert(math.type(9223372036854775807) == "integer", "maxinteger literal")
assert(math.type(9223372036854775808) == "float", "maxinteger+1 literal is float")
assert(9223372036854775808 == 2^63, "value of overflowed literal")
assert(-9223372036854775808 == -2^63, "negated overflowed literal")
assert(math.type(-9223372036854775808) == "float", "negation of a float literal stays float")
assert(math.type(18446744073709551616) == "float", "2^64 literal")

-- short strings and escapes
assert("\a\b\f\n\r\t\v" == string.char(7, 8, 12, 10, 13, 9, 11), "control escapes")
assert("\\" == string.char(92), "backslash")
assert("\"" == string.char(34) and '\'' == string.char(39), "quotes")
assert("a\
b" == "a\nb", "escaped newline")
assert("\x41\x62" == "Ab", "\\x escapes")
assert("\x7A\x7a" == "zz", "\\x case insensitive")
assert("\65\066\0067" == "AB\0067", "decimal escapes take up to 3 digits")
assert("\0" == string.char(0) and #"\0" == 1, "NUL escape")
assert("a\0b" ~= "a", "embedded zero")
assert(#"a\0b" == 3, "embedded zero length")
assert("\255" == string.char(255), "\\255")
assert("\u{41}" == "A", "\\u{41}")
assert("\u{7FF}" == "\xDF\xBF", "\\u two bytes")
assert("\u{20AC}" == "\xE2\x82\xAC", "euro sign")
assert("\u{10FFFF}" == "\xF4\x8F\xBF\xBF", "max code point")
assert("\u{7FFFFFFF}" == "\xFD\xBF\xBF\xBF\xBF\xBF", "5.4 allows up to 2^31")
assert("x\z
       y" == "xy", "\\z skips whitespace")
assert("x\z   y" == "xy", "\\z on one line")
assert('single' == "single", "single quotes")

-- long strings
assert([[abc]] == "abc", "long string")
assert([[
first]] == "first", "first newline skipped")
assert([==[a]]b]=]c]==] == "a]]b]=]c", "level 2 long string")
assert([[a\nb]] == "a\\nb", "no escapes in long strings")
assert([[
a
b]] == "a\nb", "newlines kept")
assert([=[]=] == "", "empty long string")

-- comments
local x = 1 -- line comment
--[[ block
comment ]] x = x + 1
--[==[ another
]] still comment ]==] x = x + 1
assert(x == 3, "comments skipped, code after block comment runs")
---[[ this is a line comment, not a block
x = 10
--]]
assert(x == 10, "---[[ trick")

-- invalid tokens are syntax errors through load
local function bad(src, pat)
  local f, err = load(src)
  assert(f == nil, "expected syntax error for " .. src)
  assert(string.find(err, pat, 1, true), "message for " .. src .. ": " .. err)
end
bad("x = 0x", "malformed number")
bad("x = 1e", "malformed number")
bad("x = 3..2", "malformed number")
bad([[x = "abc]], "unfinished string")
bad("x = [[abc", "unfinished long string")
bad([[x = "\q"]], "invalid escape sequence")
bad([[x = "\300"]], "decimal escape too large")
bad([[x = "\xZZ"]], "hexadecimal digit expected")
bad([[x = "\u{110000000}"]], "UTF-8 value too large")
bad("x = @", "unexpected symbol")

-- identifiers
local _a1, A_, _ = 1, 2, 3
assert(_a1 + A_ + _ == 6, "identifiers")
local goto_ = 5
assert(goto_ == 5, "keyword prefix is an identifier")

-- semicolons
;;; local y = 1; ; y = y + 1;
assert(y == 2, "empty statements")
-- a single byte starts an assignable name exactly when it is a letter or '_'
for i = 0, 255 do
  local c = string.char(i)
  assert(not c:find("[a-zA-Z_]") == not load(c .. "=1", ""), "name start byte " .. i)
end
-- a first line starting with '#' is skipped in files only, never by load
assert(load("#!x\nreturn 1") == nil, "load does not skip a shebang line")
do
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write("#!/usr/bin/env lua\nreturn 42, debug.getinfo(1, 'l').currentline")
  f:close()
  local v, line = dofile(name)
  assert(v == 42 and line == 2, "dofile skips a shebang line, keeping line numbers")
  assert(select(2, assert(loadfile(name))()) == 2, "loadfile skips a shebang line")
  os.remove(name)
end
print("lexer OK")
