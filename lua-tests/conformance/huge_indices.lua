-- Natives given huge or negative counts and indices raise Lua errors (never crash).
local mi, ma = math.mininteger, math.maxinteger

local function fails(pattern, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(string.find(msg, pattern, 1, true), msg)
end

-- select
fails("bad argument #1 to 'select' (index out of range)", select, mi, 1)
fails("bad argument #1 to 'select' (index out of range)", select, mi)
fails("bad argument #1 to 'select' (index out of range)", select, -3, 1, 2)
fails("bad argument #1 to 'select' (index out of range)", select, 0)
assert(select(-2, "a", "b", "c") == "b")
assert(select("#", select(ma, 1, 2)) == 0)
assert(select("#", select(-1, 1, 2)) == 1)

-- table.unpack
fails("too many results to unpack", table.unpack, {}, 1, ma)
fails("too many results to unpack", table.unpack, {}, mi, ma)
fails("too many results to unpack", table.unpack, {}, mi, -1)
assert(select("#", table.unpack({}, mi, mi + 2)) == 3)
assert(select("#", table.unpack({}, ma - 1, ma)) == 2)
assert(select("#", table.unpack({}, ma, mi)) == 0)

-- table.move
fails("too many elements to move", table.move, {}, mi, ma, 1)
fails("too many elements to move", table.move, {}, -1, ma - 1, 1)
fails("destination wrap around", table.move, {}, 1, ma, 2)
fails("destination wrap around", table.move, {1, 2}, 1, 2, ma)
do
  local t = table.move({1, 2, 3}, 1, 3, ma - 2)
  assert(t[ma] == 3 and t[ma - 2] == 1)
  local u = table.move({[mi] = "x", [mi + 1] = "y"}, mi, mi + 1, 1)
  assert(u[1] == "x" and u[2] == "y")
end

-- table.insert / table.remove / table.concat
fails("position out of bounds", table.insert, {}, mi, 1)
fails("position out of bounds", table.insert, {}, ma, 1)
fails("position out of bounds", table.remove, {}, mi)
fails("invalid value (nil) at index " .. mi, table.concat, {}, "", mi, mi + 1)
fails("invalid value (nil) at index " .. ma, table.concat, {}, "", ma, ma)
assert(table.concat({}, "", ma, mi) == "")

-- string.rep
fails("resulting string too large", string.rep, "x", ma)
fails("resulting string too large", string.rep, "ab", 2^62, ",")
fails("resulting string too large", string.rep, "x", ma // 2, "yy")
assert(string.rep("x", mi) == "" and string.rep("x", mi, ",") == "")
assert(string.rep("x", -1, "y") == "")

-- string.sub / string.byte / utf8 with extreme positions
assert(string.sub("abc", mi, ma) == "abc")
assert(string.sub("abc", ma, mi) == "")
assert(select("#", string.byte("abc", mi, ma)) == 3)
fails("out of bounds", utf8.codepoint, "abc", mi, ma)
assert(utf8.offset("abc", mi) == nil and utf8.offset("abc", ma) == nil)
fails("position out of bounds", utf8.offset, "abc", 1, mi)
fails("initial position out of bounds", utf8.len, "abc", mi, ma)
fails("value out of range", string.char, ma)
fails("value out of range", utf8.char, ma)

-- file:read with a negative count: a huge size_t to lua5.4, which cannot allocate it
-- (and not a zero count, which would make a lines loop spin forever).
do
  local f = io.tmpfile()
  f:write("abc")
  f:seek("set")
  fails("not enough memory", f.read, f, -1)
  fails("not enough memory", f.read, f, mi)
  fails("not enough memory", f:lines(-5))
  assert(f:read(2) == "ab")
  f:close()
end

print("huge_indices OK")
