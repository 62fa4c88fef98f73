-- Base library: type, tostring, tonumber with bases, select, globals, collectgarbage.
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end

-- globals
assert(_VERSION == "Lua 5.4", "_VERSION")
assert(_G._G == _G, "_G._G")
assert(_G.print == print and _ENV == _G, "_ENV is _G in the main chunk")
for _, name in ipairs({"assert", "collectgarbage", "dofile", "error", "getmetatable", "ipairs", "load",
    "loadfile", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "require",
    "select", "setmetatable", "tonumber", "tostring", "type", "xpcall"}) do
  assert(type(_G[name]) == "function", "global function " .. name)
end
for _, name in ipairs({"coroutine", "math", "package", "string", "table", "io", "os"}) do
  assert(type(_G[name]) == "table", "library " .. name)
end
assert(package.loaded.string == string and package.loaded._G == _G, "package.loaded has the libraries")

-- type
assert(type(nil) == "nil" and type(true) == "boolean" and type(1) == "number" and type(1.5) == "number", "type primitives")
assert(type("") == "string" and type({}) == "table" and type(print) == "function", "type others")
assert(type(function() end) == "function" and type(coroutine.create(print)) == "thread", "type function/thread")
assert(string.find(err(function() return type() end), "bad argument #1 to 'type' (value expected)", 1, true), "type()")

-- tostring
assert(tostring(12) == "12" and tostring(-0.5) == "-0.5", "tostring numbers")
assert(tostring("s") == "s" and tostring(nil) == "nil", "tostring others")
assert(string.find(err(function() return tostring() end), "bad argument #1 to 'tostring' (value expected)", 1, true), "tostring()")

-- tonumber with bases
assert(tonumber("ff", 16) == 255, "base 16")
assert(tonumber("FF", 16) == 255, "base 16 upper case")
assert(tonumber("777", 8) == 511, "base 8")
assert(tonumber("11", 2) == 3, "base 2")
assert(tonumber("zz", 36) == 1295, "base 36")
assert(tonumber("Zz", 36) == 1295, "base 36 mixed case")
assert(tonumber("  10  ", 2) == 2, "spaces allowed with base")
assert(tonumber("-10", 2) == -2, "negative with base")
assert(tonumber("8", 8) == nil, "digit out of base")
assert(tonumber("1.5", 10) == nil, "no fractions with base")
assert(tonumber("", 10) == nil, "empty with base")
assert(tonumber("0x10", 16) == nil, "no 0x prefix with base")
assert(math.type(tonumber("10", 10)) == "integer", "base result is integer")
assert(tonumber("7fffffffffffffff", 16) == math.maxinteger, "big base 16")
assert(tonumber("ffffffffffffffff", 16) == -1, "wraps around")
assert(string.find(err(function() return tonumber("10", 1) end), "bad argument #2 to 'tonumber' (base out of range)", 1, true), "base 1")
assert(string.find(err(function() return tonumber("10", 37) end), "bad argument #2 to 'tonumber' (base out of range)", 1, true), "base 37")
assert(string.find(err(function() return tonumber(10, 16) end), "bad argument #1 to 'tonumber' (string expected, got number)", 1, true), "number with base")
assert(string.find(err(function() return tonumber() end), "bad argument #1 to 'tonumber' (value expected)", 1, true), "tonumber()")
assert(tonumber("0x7fffffffffffffff") == math.maxinteger, "hex max")
assert(tonumber("1e500") == math.huge, "overflow to inf")
assert(tonumber("-.5") == -0.5, "negative fraction")
assert(tonumber("0x.8") == 0.5, "hex fraction")
assert(tonumber("1 ") == 1 and tonumber("\t1\n") == 1, "whitespace")

-- select
assert(select("#", 1, 2, 3) == 3, "select #")
assert(select(2, "a", "b") == "b", "select n")
assert(string.find(err(function() return select(0) end), "bad argument #1 to 'select' (index out of range)", 1, true), "select 0")
assert(string.find(err(function() return select() end), "bad argument #1 to 'select' (number expected, got no value)", 1, true), "select()")

-- ipairs / pairs argument checking
assert(string.find(err(function() return ipairs() end), "bad argument #1 to 'ipairs' (value expected)", 1, true), "ipairs()")
assert(string.find(err(function() for _ in pairs(nil) do end end), "bad argument #1 to 'for iterator' (table expected, got nil)", 1, true), "pairs(nil)")
local ipf, ipt, ipc = ipairs({})
assert(type(ipf) == "function" and ipc == 0, "ipairs triple")
local pf, pt, pc = pairs({})
assert(pf == next and pc == nil, "pairs returns next")

-- collectgarbage
assert(type(collectgarbage("count")) == "number", "count returns a number")
assert(collectgarbage("count") > 0, "count is positive")
assert(collectgarbage() == 0, "full collection returns 0")
assert(collectgarbage("collect") == 0, "collect returns 0")
assert(type(collectgarbage("isrunning")) == "boolean", "isrunning")
collectgarbage("step")
assert(string.find(err(function() return collectgarbage("nonsense") end), "bad argument #1 to 'collectgarbage' (invalid option 'nonsense')", 1, true), "invalid option")

-- print with tostring of various values (to stdout; just must not fail)
print("base_lib:", 1, 1.5, nil, true, "s")

-- next / rawequal / rawlen basics
assert(next({}, nil) == nil, "next of empty")
assert(rawequal("a", "a") and not rawequal({}, {}), "rawequal")
assert(rawlen({1, 2}) == 2, "rawlen")

-- getmetatable on strings
assert(getmetatable("").__index == string, "string metatable")
print("base_lib OK")
