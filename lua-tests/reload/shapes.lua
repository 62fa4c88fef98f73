-- Modules of other shapes and functions without a counterpart: a module that returns a
-- function, one whose type changes, renamed functions (warned, left on old code).
local H = dofile("lib/harness.lua")

H.write("greeter", [[
local greeting = "hello"
return function(name) return greeting .. " " .. name end
]])
local greet = require("greeter")
assert(greet("ann") == "hello ann")
H.write("greeter", [[
local greeting = "hello"
return function(name) return greeting .. ", " .. name .. "!" end
]])
local r = H.reload("greeter")
assert(require("greeter") == greet, "the returned function keeps its identity")
assert(greet("ann") == "hello, ann!", "and runs the new code")

H.write("shape", "return { answer = 42 }\n")
local shape = require("shape")
H.write("shape", "return function() return 42 end\n")
r = H.reload("shape")
assert(type(require("shape")) == "function", "the new value is taken")
assert(shape.answer == 42, "holders of the old value keep it")
assert(r.warnings[1]:find("typeChanged", 1, true), r.warnings[1])

H.write("names", [[
local M = {}
function M.old_name() return "old" end
return M
]])
local names = require("names")
local held = names.old_name
H.write("names", [[
local M = {}
function M.new_name() return "new" end
return M
]])
r = H.reload("names")
assert(held() == "old", "an unmatched function keeps running its old code")
assert(names.old_name == nil, "and leaves the module table")
assert(names.new_name() == "new")
assert(H.has(r.unmatched, "M.old_name") and H.has(r.added, "M.new_name"))
assert(r.warnings[1]:find("functionIdentity", 1, true) and r.warnings[1]:find("1 live closure", 1, true), r.warnings[1])

H.done("shapes")
