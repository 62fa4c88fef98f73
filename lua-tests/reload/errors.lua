-- A reload is all or nothing: a syntax error, a runtime error while loading or an error in
-- a hook changes nothing (globals, other modules' tables, package.loaded, upvalues), and
-- the message says where.
local H = dofile("lib/harness.lua")

H.write("registry", [[
-- `log` has room for a fourth item in its array part (the constructor counts the nil).
local M = { items = {}, stack = { "s1", "s2" }, log = { "l1", "l2", "l3", nil } }
function M.add(x) M.items[#M.items + 1] = x end
return M
]])
local registry = require("registry")
registry.add("a")

H.write("svc", [[
local registry = require("registry")
local M = { version = 1 }
local calls = 0
function M.call() calls = calls + 1; return "v1", calls end
return M
]])
local svc = require("svc")
svc.call()
local call = svc.call
SVC_GLOBAL = "before"

-- Syntax error: old code stays; the message has file:line:col.
local path = H.write("svc", [[
local M = {}
function M.call()
  return "v2"

return M
]])
local msg = H.refused("svc")
assert(msg:find(path .. ":5:1:", 1, true), msg)
assert(msg:find("'end' expected", 1, true), msg)
assert(call() == "v1", "old code still runs")

-- Runtime error while loading: every write the new chunk made is rolled back.
H.write("svc", [[
local registry = require("registry")
SVC_GLOBAL = "after"
NEW_GLOBAL = true
table.insert(registry.log, "inserted by svc v2")
table.remove(registry.stack)
registry.add("from svc v2")
registry.items.extra = 1
package.loaded.registry.hacked = true
setmetatable(registry, { __index = function() return "meta" end })
local M = { version = 2 }
function M.call() return "v2" end
error("boom while loading")
return M
]])
msg = H.refused("svc")
assert(msg:find("boom while loading", 1, true), msg)
assert(SVC_GLOBAL == "before" and NEW_GLOBAL == nil, "globals rolled back")
assert(#registry.items == 1 and registry.items.extra == nil, "other module's table rolled back")
assert(#registry.log == 3 and registry.log[4] == nil, "table.insert rolled back")
assert(#registry.stack == 2 and registry.stack[2] == "s2", "table.remove rolled back")
assert(registry.hacked == nil and getmetatable(registry) == nil, "package.loaded and metatables rolled back")
assert(call() == "v1" and svc.version == 1, "module unchanged")
local _, calls = call()
assert(calls == 4, "upvalue state untouched")

-- An error in __on_reload rolls back a reload that had already merged everything.
H.write("svc", [[
local registry = require("registry")
local M = { version = 3 }
local calls = 0
function M.call() calls = calls + 1; return "v3", calls end
function M.__on_reload(m, report) error("migration failed") end
return M
]])
msg = H.refused("svc")
assert(msg:find("__on_reload", 1, true) and msg:find("migration failed", 1, true), msg)
assert(call() == "v1" and svc.version == 1 and svc.__on_reload == nil, "merge rolled back")
_, calls = call()
assert(calls == 6, "joined local rolled back to the running cell")

-- An error in the old version's __before_reload also refuses the reload.
svc.__before_reload = function() error("cannot release") end
H.write("svc", [[
local M = { version = 4 }
function M.call() return "v4" end
return M
]])
msg = H.refused("svc")
assert(msg:find("cannot release", 1, true), msg)
assert(call() == "v1")
svc.__before_reload = nil

-- Hooks run in order on success: the old __before_reload, then the new __on_reload.
local order = {}
svc.__before_reload = function(m) order[#order + 1] = "before:" .. m.version end
HOOK_LOG = order
H.write("svc", [[
local M = { version = 5 }
function M.call() return "v5" end
function M.__on_reload(m, report)
  HOOK_LOG[#HOOK_LOG + 1] = "after:" .. m.version .. ":" .. report.module .. ":" .. #report.rebound
end
return M
]])
H.reload("svc")
assert(table.concat(order, ",") == "before:1,after:5:svc:1", table.concat(order, ","))
assert(call() == "v5")

-- A coroutine made before the reload and resumed by the failing chunk writes its own
-- local: that write is rolled back too (the coroutine itself stays where it got to).
local stepper = coroutine.wrap(function()
  local n = 0
  local function peek() return n end
  while true do
    n = n + 1
    coroutine.yield(peek)
  end
end)
local peek = stepper()
STEPPER = stepper
H.write("svc", "STEPPER(); STEPPER()\nerror('failed after stepping')\nreturn {}\n")
msg = H.refused("svc")
assert(msg:find("failed after stepping", 1, true), msg)
assert(peek() == 1, "the coroutine's local was restored: " .. peek())
STEPPER = nil

-- A module that was never loaded.
msg = H.refused("no_such_module")
assert(msg:find("not loaded", 1, true), msg)

H.done("errors")
