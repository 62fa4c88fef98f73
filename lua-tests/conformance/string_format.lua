-- string.format conversions.
local f = string.format
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end
local function eq(got, want, what)
  assert(got == want, (what or "format") .. ": got [" .. tostring(got) .. "] want [" .. want .. "]")
end

-- integers
eq(f("%d", 42), "42")
eq(f("%d", -42), "-42")
eq(f("%5d", 42), "   42", "width")
eq(f("%-5d|", 42), "42   |", "left align")
eq(f("%05d", 42), "00042", "zero pad")
eq(f("%+d", 42), "+42", "plus sign")
eq(f("% d", 42), " 42", "space sign")
eq(f("%.3d", 7), "007", "precision on ints")
eq(f("%d", 3.0), "3", "float with integral value")
eq(f("%d", "10"), "10", "numeric string")
eq(f("%d", math.mininteger), "-9223372036854775808", "mininteger")
eq(f("%i", 5), "5", "%i")
assert(string.find(err(function() return string.format("%d", 3.5) end), "bad argument #2 to 'format' (number has no integer representation)", 1, true), "%d with 3.5")
assert(string.find(err(function() return string.format("%d", "x") end), "bad argument #2 to 'format' (number expected, got string)", 1, true), "%d with non-number")
eq(f("%x", 255), "ff", "hex")
eq(f("%X", 255), "FF", "HEX")
eq(f("%#x", 255), "0xff", "alt hex")
eq(f("%o", 8), "10", "octal")
eq(f("%x", -1), "ffffffffffffffff", "hex of negative")
eq(f("%u", 42), "42", "%u")
eq(f("%c", 65), "A", "%c")
eq(f("%c%c", 0x4c, 0x75), "Lu", "two %c")

-- floats
eq(f("%f", 1.5), "1.500000", "%f")
eq(f("%.2f", 3.14159), "3.14", "%.2f")
eq(f("%.0f", 2.5), "2", "round half to even")
eq(f("%.0f", 3.5), "4", "round half to even (up)")
eq(f("%10.3f", -1.5), "    -1.500", "width and precision")
eq(f("%-10.1f|", 1.25), "1.2       |", "left aligned float")
eq(f("%e", 12345.678), "1.234568e+04", "%e")
eq(f("%.2E", 0.000123), "1.23E-04", "%E")
eq(f("%g", 100000), "100000", "%g integer-ish")
eq(f("%g", 1000000), "1e+06", "%g switches to exponent")
eq(f("%g", 0.0001), "0.0001", "%g small")
eq(f("%g", 0.00001), "1e-05", "%g smaller")
eq(f("%g", 1.5), "1.5", "%g trims zeros")
eq(f("%.3g", 3.14159), "3.14", "%.3g")
eq(f("%#g", 1.0), "1.00000", "%#g keeps zeros")
eq(f("%g", 2^63), "9.22337e+18", "%g 2^63")
eq(f("%.14g", 0.1), "0.1", "%.14g")
eq(f("%.17g", 0.1), "0.10000000000000001", "%.17g")
eq(f("%f", 3), "3.000000", "%f with integer argument")
eq(f("%.1f", "2.25"), "2.2", "%f with numeric string")
eq(f("%g", math.huge), "inf", "inf")
eq(f("%g", -math.huge), "-inf", "-inf")
eq(f("%f", math.huge), "inf", "%f inf")
eq(f("%5.1f", -0.0), " -0.0", "negative zero")
eq(f("%a", 1.0), "0x1p+0", "%a")
eq(f("%a", 0.5), "0x1p-1", "%a 0.5")

-- strings
eq(f("%s", "abc"), "abc", "%s")
eq(f("%10s|", "abc"), "       abc|", "%10s")
eq(f("%-10s|", "abc"), "abc       |", "%-10s")
eq(f("%.2s", "abc"), "ab", "%.2s")
eq(f("%s", 12), "12", "%s number")
eq(f("%s", 1.0), "1.0", "%s float")
eq(f("%s", nil), "nil", "%s nil")
eq(f("%s", true), "true", "%s boolean")
eq(f("%s %s", "a", "b"), "a b", "two %s")
eq(f("%s", "a\0b"), "a\0b", "%s with embedded zero")
assert(string.find(f("%s", {}), "^table: "), "%s table")
eq(f("%%"), "%", "percent")
eq(f("100%% %s", "done"), "100% done", "percent literal and conversion")
eq(f("no conversions"), "no conversions", "plain")
eq(f("%5s%-5s|", "ab", "cd"), "   abcd   |", "mixed")

-- %q
eq(f("%q", 'he said "hi"\n'), '"he said \\"hi\\"\\\n"', "%q quotes and newline")
eq(f("%q", "\0\1\127"), '"\\0\\1\\127"', "%q control characters")
eq(f("%q", "\0001"), '"\\0001"', "%q control char followed by a digit")
eq(f("%q", "\r\\"), '"\\13\\\\"', "%q \\r as decimal escape and backslash")
eq(f("%q", 42), "42", "%q integer")
eq(f("%q", 1.5), "0x1.8p+0", "%q float is hex")
eq(f("%q", math.mininteger), "0x8000000000000000", "%q mininteger")
eq(f("%q", math.huge), "1e9999", "%q inf")
eq(f("%q", -math.huge), "-1e9999", "%q -inf")
eq(f("%q", nil), "nil", "%q nil")
eq(f("%q", true), "true", "%q true")
assert(string.find(err(function() return string.format("%q", {}) end), "bad argument #2 to 'format' (value has no literal form)", 1, true), "%q table")
local roundtrip = "line1\nline2\t\0end\255"
assert(load("return " .. f("%q", roundtrip))() == roundtrip, "%q round trips")

-- errors
assert(string.find(err(function() return string.format("%d") end), "bad argument #2 to 'format' (no value)", 1, true), "missing argument")
assert(string.find(err(function() return string.format("%y", 1) end), "invalid conversion '%y' to 'format'", 1, true), "invalid conversion")
assert(string.find(err(function() return string.format("%", 1) end), "invalid conversion '%' to 'format'", 1, true), "trailing percent")
assert(string.find(err(function() return string.format("%123d", 1) end), "invalid conversion specification: '%123d'", 1, true), "width too long")
assert(string.find(err(function() return string.format() end), "bad argument #1 to 'format' (string expected, got no value)", 1, true), "no format string")

-- extra arguments are ignored
eq(f("%d", 1, 2, 3), "1", "extra arguments")
-- __tostring in %s
eq(f("%s", setmetatable({}, {__tostring = function() return "obj" end})), "obj", "%s __tostring")
-- long strings
eq(f("%s", ("x"):rep(1000)), ("x"):rep(1000), "long %s")
eq(f("%.3s", ("y"):rep(1000)), "yyy", "precision on long string")
-- %p: equal short strings are one (interned) object; long ones are not
assert(f("%p", ("a"):rep(10)) == f("%p", ("aa"):rep(5)), "%p of equal short strings")
assert(f("%p", ("a"):rep(300)) ~= f("%p", ("a"):rep(300)), "%p of long strings")
assert(f("%p", "abc") ~= f("%p", "abd"), "%p of different short strings")
do -- equal string constants of one chunk are one object, even long ones
  local long = "01234567890123456789012345678901234567890123456789"
  local function same() return "01234567890123456789012345678901234567890123456789" end
  assert(f("%p", long) == f("%p", same()), "%p of a long constant used twice")
  local built = "0123456789" .. "0123456789012345678901234567890123456789"
  assert(built == long and f("%p", built) ~= f("%p", long), "%p of a long string built at run time")
end
print("string_format OK")
