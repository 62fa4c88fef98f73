-- Operator precedence, associativity, logical operators, comparisons.

-- precedence (from lowest): or, and, comparisons, |, ~, &, shifts, .., + -, * / // %, unary, ^
assert(1 + 2 * 3 == 7, "* before +")
assert((1 + 2) * 3 == 9, "parentheses")
assert(2 * 3 ^ 2 == 18, "^ before *")
assert(-2 ^ 2 == -4, "^ before unary minus")
assert(not nil == true, "not")
assert(not 1 == false, "not binds tighter than ==")
assert(1 .. 2 == "12", "concat of numbers")
assert("a" .. 1 + 2 == "a3", "+ before ..")
assert(1 + 1 .. "" == "2", "+ before .. (left)")
assert(1 << 2 + 1 == 8, "+ before <<")
assert(1 | 2 ~ 3 & 4 == 1 | (2 ~ (3 & 4)), "| ~ & precedence")
assert((5 & 3 == 1) == false or true, "comparison lower than &")
assert(5 & 3 == 1, "& before == (5&3 = 1)")
assert(1 < 2 == true, "comparison is left associative")
assert(2 ^ 3 ^ 2 == 2 ^ 9, "^ right associative")
assert("a" .. "b" .. "c" == "abc", ".. right associative")
assert(10 - 5 - 2 == 3, "- left associative")
assert(100 // 10 // 3 == 3, "// left associative")
assert(2 ^ -2 == 0.25, "unary minus in exponent")
assert(- - 2 == 2, "double unary minus")
assert(not not nil == false, "double not")
assert(#"abc" + 1 == 4, "# before +")
assert(-#"abc" == -3, "unary chain")
assert(~0 == -1, "bitwise not")
assert(~5 & 0xF == 10, "~ before &")
assert(1 .. 2 .. 3 == "123", "chained concat of numbers")

-- and / or
assert((nil and 1) == nil, "nil and x")
assert((false and 1) == false, "false and x")
assert((1 and 2) == 2, "truthy and x")
assert((nil or 1) == 1, "nil or x")
assert((false or nil) == nil, "false or nil")
assert((1 or error("not evaluated")) == 1, "or short-circuits")
assert((nil and error("not evaluated")) == nil, "and short-circuits")
assert((0 and "zero is true") == "zero is true", "0 is truthy")
assert(("" and "empty is true") == "empty is true", "empty string is truthy")
assert((1 and nil or 3) == 3, "a and b or c idiom")
assert((false or false and true) == false, "and before or")
local called = 0
local function t() called = called + 1 return true end
local _ = t() or t()
assert(called == 1, "or evaluates right side only if needed")
_ = t() and t()
assert(called == 3, "and evaluates both when left is truthy")

-- comparisons
assert(1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3, "numeric comparisons")
assert(1 ~= 2 and not (1 ~= 1), "~=")
assert("a" < "b" and "a" < "aa" and "" < "a", "string comparisons")
assert("Z" < "a", "byte order")
assert("a\0b" < "a\0c", "strings with embedded zeros compare by content")
assert("a\0" > "a", "longer string with NUL is greater")
assert(not ("10" < "9") == false, "string comparison is lexicographic")
assert("10" < "9", "lexicographic '10' < '9'")
assert(1 == 1.0 and "1" ~= 1, "no coercion in ==")
assert(({}) ~= ({}), "distinct tables are not equal")
local tbl = {}
assert(tbl == tbl, "same table equal")
assert(print == print, "same function equal")
assert(nil == nil and false ~= nil, "nil and false differ")

local ok, err = pcall(function() return 1 < "2" end)
assert(not ok and string.find(err, "attempt to compare number with string", 1, true), "number < string errors")
ok, err = pcall(function() return {} < {} end)
assert(not ok and string.find(err, "attempt to compare two table values", 1, true), "table < table errors")
ok, err = pcall(function() return nil > 1 end)
assert(not ok and string.find(err, "attempt to compare number with nil", 1, true), "a > b swaps operands in message")

-- length operator
assert(#"" == 0 and #"hello" == 5, "# on strings")
assert(#{1, 2, 3} == 3, "# on sequence")
assert(#{} == 0, "# on empty table")
ok, err = pcall(function() return #5 end)
assert(not ok and string.find(err, "attempt to get length of a number value", 1, true), "# on number errors")

-- parenthesised expressions truncate to one value
local function two() return 1, 2 end
local a, b = (two())
assert(a == 1 and b == nil, "parentheses truncate")

-- arithmetic on wrong types
ok, err = pcall(function() return {} + 1 end)
assert(not ok and string.find(err, "attempt to perform arithmetic on a table value", 1, true), "table + 1")
ok, err = pcall(function() return "abc" + 1 end)
assert(not ok and string.find(err, "attempt to add a 'string' with a 'number'", 1, true), "non-numeric string + 1 (string metamethod message)")
ok, err = pcall(function() return -{} end)
assert(not ok and string.find(err, "attempt to perform arithmetic on a table value", 1, true), "unary minus on table")
ok, err = pcall(function() return true .. "x" end)
assert(not ok and string.find(err, "attempt to concatenate a boolean value", 1, true), "concat boolean")
print("operators OK")
