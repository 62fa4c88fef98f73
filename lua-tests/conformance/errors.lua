-- error, pcall, xpcall, assert, error values and positions.

-- error with a string adds position information at level 1
local ok, e = pcall(function() error("msg") end)
assert(not ok and string.find(e, "errors%.lua:%d+: msg$"), "level 1 position: " .. e)
local function thrower() error("lvl2", 2) end
local function caller() thrower() end -- the error should point here
ok, e = pcall(caller)
local expected_line = 7
assert(e:sub(-#("errors.lua:" .. expected_line .. ": lvl2")) == "errors.lua:" .. expected_line .. ": lvl2", "level 2 points at caller: " .. e)
ok, e = pcall(function() error("nopos", 0) end)
assert(e == "nopos", "level 0 adds no position")
ok, e = pcall(error, "direct")
assert(e == "direct", "error called directly by pcall has no Lua caller position: " .. tostring(e))

-- non-string error values are passed through unchanged
local errobj = {code = 42}
ok, e = pcall(error, errobj)
assert(not ok and e == errobj, "table error value")
ok, e = pcall(function() error(errobj, 1) end)
assert(e == errobj, "level ignored for tables")
ok, e = pcall(function() error(12) end)
assert(e == 12 and math.type(e) == "integer", "number error value not decorated")
ok, e = pcall(function() error() end)
assert(not ok and e == nil, "error() raises nil")
ok, e = pcall(function() error(nil) end)
assert(not ok and e == nil, "error(nil)")
ok, e = pcall(function() error(true) end)
assert(e == true, "boolean error value")

-- pcall results
assert(select("#", pcall(function() return 1, 2, 3 end)) == 4, "pcall returns true plus all results")
assert(select("#", pcall(function() end)) == 1, "pcall with no results")
ok, e = pcall(42)
assert(not ok and e == "attempt to call a number value", "pcall of a non-function: " .. tostring(e))
ok, e = pcall(function() return pcall() end)
assert(not ok and string.find(e, "bad argument #1 to 'pcall' (value expected)", 1, true), "pcall() without a function: " .. tostring(e))
local ok2, e2 = pcall(pcall, error, "nested")
assert(ok2 == true and e2 == false, "nested pcall")

-- runtime errors carry positions
ok, e = pcall(function() local t = nil; return t.x end)
assert(string.find(e, "errors%.lua:%d+: attempt to index a nil value %(local 't'%)$"), e)
ok, e = pcall(function() return 1 + {} end)
assert(string.find(e, "errors%.lua:%d+: attempt to perform arithmetic on a table value$"), e)

-- xpcall with message handler
ok, e = xpcall(function() error("E") end, function(m) return "handled: " .. m end)
assert(not ok and string.find(e, "^handled: .-errors%.lua:%d+: E$"), e)
local r1, r2, r3 = xpcall(function(a, b) return a + b, "x" end, print, 3, 4)
assert(r1 == true and r2 == 7 and r3 == "x", "xpcall passes extra arguments and returns results")
ok, e = xpcall(function() error({1}) end, function(m) return type(m) end)
assert(e == "table", "handler receives the raw error value")
-- traceback from handler
ok, e = xpcall(function() local x = nil; x() end, debug.traceback)
assert(not ok and string.find(e, "stack traceback:", 1, true), "traceback present")
assert(string.find(e, "attempt to call a nil value (local 'x')", 1, true), "traceback keeps message")
-- handler called for runtime errors too, and its return value is the only result
local n = select("#", xpcall(function() return nil + 1 end, function() return 1, 2, 3 end))
assert(n == 2, "only the handler's first result is returned: " .. n)
-- error in the message handler
ok, e = xpcall(function() error("first") end, function() error("second") end)
assert(not ok, "error in handler still fails")
assert(type(e) == "string" or e == nil, "some error value from a failing handler")
-- xpcall without handler
ok, e = pcall(function() return xpcall(function() end) end)
assert(not ok and string.find(e, "bad argument #2 to 'xpcall' (function expected, got no value)", 1, true), tostring(e))

-- assert
assert(select("#", assert(1, 2, 3)) == 3, "assert returns all its arguments")
ok, e = pcall(assert, false)
assert(not ok and e == "assertion failed!", "default assert message")
ok, e = pcall(assert, nil, "custom")
assert(e == "custom", "assert with message (no position added)")
ok, e = pcall(assert, false, errobj)
assert(e == errobj, "assert with a table message")
ok, e = pcall(assert, false, 42)
assert(e == 42, "assert with a number message")
ok, e = pcall(assert)
assert(not ok and string.find(e, "bad argument #1 to 'assert' (value expected)", 1, true), tostring(e))

-- error with __tostring object seen by tostring
local E = setmetatable({}, {__tostring = function() return "custom error" end})
ok, e = pcall(error, E)
assert(tostring(e) == "custom error", "error object with __tostring")

-- errors propagate through multiple levels and unwind locals
local depth = 0
local function nest(k) depth = depth + 1; if k == 0 then error("bottom", 0) end nest(k - 1) end
ok, e = pcall(nest, 100)
assert(not ok and e == "bottom" and depth == 101, "error from depth")

-- rethrowing preserves the value
ok, e = pcall(function()
  local ok_inner, err_inner = pcall(error, {tag = "inner"})
  error(err_inner)
end)
assert(type(e) == "table" and e.tag == "inner", "rethrow")

-- error messages with string level 2 in nested functions called from pcall directly
local function validate(x) if type(x) ~= "number" then error("expected number", 2) end return x end
ok, e = pcall(function() validate("no") end)
assert(string.find(e, "errors%.lua:%d+: expected number$"), e)

-- tostring(nil) errors and similar builtin misuse
ok, e = pcall(function() return ("x"):bad() end)
assert(not ok and string.find(e, "attempt to call a nil value (method 'bad')", 1, true), e)
ok, e = pcall(function() return #nil end)
assert(not ok and string.find(e, "attempt to get length of a nil value", 1, true), e)
ok, e = pcall(function() local a = "x" .. {} end)
assert(not ok and string.find(e, "attempt to concatenate a table value", 1, true), e)
ok, e = pcall(function() local up = nil; return (function() return up.f end)() end)
assert(string.find(e, "attempt to index a nil value (upvalue 'up')", 1, true), e)
ok, e = pcall(function() return undefinedglobal.field end)
assert(string.find(e, "attempt to index a nil value (global 'undefinedglobal')", 1, true), e)
ok, e = pcall(function() local t = {} return t.a.b end)
assert(string.find(e, "attempt to index a nil value (field 'a')", 1, true), e)

-- error inside error handling in a coroutine
local co = coroutine.create(function() return xpcall(function() error("c") end, function(m) return "h:" .. m end) end)
local cok, xok, xmsg = coroutine.resume(co)
assert(cok and not xok and string.find(xmsg, "^h:.-errors%.lua:%d+: c$"), "xpcall inside coroutine")
print("errors OK")
