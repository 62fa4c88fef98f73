-- string.dump and loading binary chunks.

-- Round trip: same behaviour, fresh upvalues (the first one is the environment).
local function add(a, b) return a + b end
local add2 = assert(load(string.dump(add)))
assert(add2(2, 3) == 5)

local counter = 5
local function peek() return type(print), counter end
local peek2 = load(string.dump(peek))
-- The copy's first upvalue (_ENV here) is the global table; the others start as nil.
local kind, c = peek2()
assert(kind == "function" and c == nil)

-- Nested functions, varargs and constants of every kind survive.
local function make(...)
  local n = select("#", ...)
  local t = {1, 2.5, "s", true, x = 1 << 40}
  return function(k) return t[k], n end
end
local make2 = load(string.dump(make))
local get = make2("a", "b", "c")
assert(select(2, get(1)) == 3 and get(2) == 2.5 and get(3) == "s" and get(4) == true)
assert(get("x") == 1 << 40)

-- Debug information is kept unless stripped.
local function fails(t) return t + 1 end
local ok, msg = pcall(load(string.dump(fails)), {})
assert(not ok and msg:find("string_dump.lua:27:", 1, true), msg)
assert(msg:find("(local 't')", 1, true), msg)
ok, msg = pcall(load(string.dump(fails, true)), {})
assert(not ok and msg:find("^%?:%-1: attempt to perform arithmetic on a table value$"), msg)

-- A main chunk with an explicit environment.
local chunk = load("y = 7 return y * 6")
local env = {}
assert(load(string.dump(chunk), "=c", "b", env)() == 42 and env.y == 7 and y == nil)

-- Errors.
assert(not pcall(string.dump, print))
assert(select(2, pcall(string.dump, print)):find("unable to dump given function"))
assert(select(2, pcall(string.dump, {})):find("function expected, got table"))
local bin = string.dump(add)
local f, err = load(bin, "=bin", "t")
assert(f == nil and err:find("attempt to load a binary chunk (mode is 't')", 1, true))
f, err = load(bin:sub(1, #bin - 1))
assert(f == nil and err == "binary string: bad binary format (truncated chunk)", err)
f, err = load("\27Lua\83")
assert(f == nil and err:find("version mismatch", 1, true), err)
f, err = load(string.dump(add), "=text", "bt")
assert(f and f(1, 1) == 2)

-- A binary chunk in a file, after a '#' comment line, as loadfile and dofile accept.
do
  local name = os.tmpname()
  local out = assert(io.open(name, "wb"))
  out:write("#comment for a binary file\0\n", string.dump(function() return 20, "\0\0\0" end))
  out:close()
  local a, b, c = assert(loadfile(name))()
  assert(a == 20 and b == "\0\0\0" and c == nil)
  assert(dofile(name) == 20)
  os.remove(name)
end

print("string_dump OK")
