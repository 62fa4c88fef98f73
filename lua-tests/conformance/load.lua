-- load, dofile, loadfile.
local dir = arg and arg[0] and arg[0]:match("^(.*)[/\\]") or "."
local modules = dir .. "/modules/"

-- load from a string
local f = load("return 1 + 1")
assert(type(f) == "function" and f() == 2, "load string")
f = load("local a, b = ... return b, a")
local x, y = f(1, 2)
assert(x == 2 and y == 1, "chunk receives varargs")
assert(select("#", load("return")()) == 0, "empty return")
assert(load("")() == nil, "empty chunk")

-- syntax errors return nil plus message
local g, msg = load("return +")
assert(g == nil and type(msg) == "string", "syntax error returns nil, msg")
assert(string.find(msg, "^%[string \"return %+\"%]:1: unexpected symbol near '%+'$"), msg)
g, msg = load("x = ", "=mychunk")
assert(g == nil and msg == "mychunk:1: unexpected symbol near <eof>", msg)
g, msg = load("\n\nx = = 2", "@file.lua")
assert(msg == "file.lua:3: unexpected symbol near '='", msg)
g, msg = load("x = 1", "=(load)")
assert(type(g) == "function", "valid chunk with name")
-- long source chunk names are truncated in messages
g, msg = load("error('e')", ("x"):rep(100))
local ok, e = pcall(g)
assert(not ok and string.find(e, '^%[string "xxxx.-%.%.%."%]:1: e$'), "long chunkname truncated: " .. e)
g = load("line1 = 1\nerror('here')", "multi")
ok, e = pcall(g)
assert(string.find(e, '^%[string "multi"%]:2: here$'), "chunkname: " .. e)
g = load("x = 1\ny = 2\nerror('E')")
ok, e = pcall(g)
assert(string.find(e, '^%[string "x = 1%.%.%."%]:3: E$'), "multi-line source chunkname is cut at the newline: " .. e)

-- runtime errors are not load errors
g, msg = load("error('at runtime')")
assert(type(g) == "function" and msg == nil, "runtime error deferred")

-- load from a reader function
local parts = {"return ", "10 ", "* 2"}
local i = 0
g = load(function() i = i + 1; return parts[i] end)
assert(g() == 20, "reader function")
i = 0
g = load(function() i = i + 1; if i == 1 then return "return 'a'" elseif i == 2 then return "" end return "ignored" end)
assert(g() == "a", "empty string ends the reader")
g, msg = load(function() error("reader failed") end)
assert(g == nil and string.find(msg, "reader failed", 1, true), "reader error returned as message: " .. tostring(msg))
g, msg = load(function() return {} end)
assert(g == nil and string.find(msg, "reader function must return a string", 1, true), tostring(msg))
local pieces = {}
for c in ("return 'char by char'"):gmatch(".") do pieces[#pieces + 1] = c end
local k = 0
assert(load(function() k = k + 1; return pieces[k] end)() == "char by char", "one character at a time")

-- mode
g, msg = load("return 1", "c", "b")
assert(g == nil and string.find(msg, "attempt to load a text chunk (mode is 'b')", 1, true), tostring(msg))
assert(load("return 1", "c", "t")() == 1, "text mode")
assert(load("return 1", "c", "bt")() == 1, "bt mode")
g, msg = load("\27Lua", "bin", "t")
assert(g == nil and string.find(msg, "attempt to load a binary chunk (mode is 't')", 1, true), tostring(msg))

-- env
local env = {y = 5}
g = load("envx = y * 2; return envx", "env", "t", env)
assert(g() == 10 and env.envx == 10 and _G.envx == nil, "custom environment")
g = load("return print", "env", "t", {})
assert(g() == nil, "empty environment has no print")
g = load("local _ENV = {z = 1}; return z")
assert(g() == 1, "_ENV local inside chunk")
local counter_env = setmetatable({}, {__index = _G})
load("count = (count or 0) + 1", "c", "t", counter_env)()
assert(counter_env.count == 1 and count == nil, "env with __index to _G")
g = load("return ...", "va", "t", nil)
assert(g(1, 2) == 1, "nil env argument is allowed (chunk has nil _ENV upvalue, no globals used)")

-- the loaded chunk is a vararg function returning all values
g = load("return ...")
assert(select("#", g(1, nil, 3)) == 3, "vararg chunk")

-- load errors for bad arguments
ok, e = pcall(function() return load({}) end)
assert(not ok and string.find(e, "bad argument #1 to 'load'", 1, true), tostring(e))

-- dofile
counter_from_dofile = nil
local r1, r2 = dofile(modules .. "dofile_target.lua")
assert(r1 == "dofile result" and r2 == 0 and counter_from_dofile == 1, "dofile returns the chunk's results")
dofile(modules .. "dofile_target.lua")
assert(counter_from_dofile == 2, "dofile runs every time")
ok, e = pcall(dofile, modules .. "does_not_exist.lua")
assert(not ok and string.find(e, "cannot open", 1, true), "dofile missing file: " .. tostring(e))
ok, e = pcall(dofile, modules .. "syntax_error.txt")
assert(not ok and string.find(e, "syntax_error.txt:1: unexpected symbol near '='", 1, true), "dofile syntax error: " .. tostring(e))

-- loadfile
local lf = loadfile(modules .. "dofile_target.lua")
assert(type(lf) == "function", "loadfile returns a function")
local a1, a2, a3 = lf("arg1")
assert(a1 == "dofile result" and a2 == 1 and a3 == "arg1", "loadfile chunk receives arguments")
local nf, nmsg = loadfile(modules .. "does_not_exist.lua")
assert(nf == nil and string.find(nmsg, "cannot open", 1, true), "loadfile missing: " .. tostring(nmsg))
nf, nmsg = loadfile(modules .. "syntax_error.txt")
assert(nf == nil and string.find(nmsg, "syntax_error.txt:1:", 1, true), "loadfile syntax error")
local fenv = {}
lf = loadfile(modules .. "dofile_target.lua", "t", fenv)
lf()
assert(fenv.counter_from_dofile == 1, "loadfile with env")
nf, nmsg = loadfile(modules .. "dofile_target.lua", "b")
assert(nf == nil and string.find(nmsg, "attempt to load a text chunk", 1, true), "loadfile mode")

-- functions from load can be called many times and create independent locals
local mk = load("local n = 0; return function() n = n + 1; return n end")
local c1, c2 = mk(), mk()
assert(c1() == 1 and c1() == 2 and c2() == 1, "independent instances")

-- a chunk's upvalue is _ENV, shared with functions it defines
local genv = {}
load("function defined() return 'in env' end", "d", "t", genv)()
assert(genv.defined() == "in env" and defined == nil, "global definitions go to the chunk env")
print("load OK")
