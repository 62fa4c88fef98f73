-- Selective reloads: one function (the chunk does not run), one table (the chunk runs
-- in a transaction, only that field is kept), a condition, and several modules at once
-- in dependency order.
local H = dofile("lib/harness.lua")

local v1 = [[
local M = {}
local calls = 0
M.constants = { rate = 1, name = "one" }
LOADS = (LOADS or 0) + 1
function M.updateConfig(x) calls = calls + 1; return "update v1 " .. x end
function M.other() return "other v1" end
return M
]]
H.write("mod", v1)
local mod = require("mod")
assert(LOADS == 1)

-- --function: only that function changes, and the chunk is not run.
H.write("mod", (v1:gsub("v1", "v2")))
local r = H.reload("mod", { ["function"] = "updateConfig" })
assert(mod.updateConfig("x") == "update v2 x", "function rebound (short name found)")
assert(mod.other() == "other v1", "other functions untouched")
assert(LOADS == 1, "the chunk did not run")
assert(r.mode == "function" and #r.rebound == 1 and r.rebound[1] == "M.updateConfig")

-- Refused when the new code needs a variable the running program does not have.
H.write("mod", (v1:gsub('return "update v1 " .. x', 'return prefix .. x'):gsub("local calls = 0", "local calls = 0\nlocal prefix = 'p'")))
local msg = H.refused("mod", { ["function"] = "M.updateConfig" })
assert(msg:find("needs upvalue 'prefix'", 1, true), msg)
assert(mod.updateConfig("y") == "update v2 y", "nothing changed")
msg = H.refused("mod", { ["function"] = "nope" })
assert(msg:find("has no function 'nope'", 1, true), msg)

-- --table: only M.constants is merged; everything else the chunk did is rolled back.
local constants = mod.constants
constants.rate = 5 -- running state
H.write("mod", (v1:gsub("v1", "v3"):gsub('name = "one"', 'name = "three", extra = true')))
r = H.reload("mod", { table = "constants" })
assert(mod.constants == constants, "table identity kept")
assert(constants.name == "three" and constants.extra == true, "edited fields taken")
assert(constants.rate == 5, "unchanged field keeps its running value")
assert(mod.other() == "other v1", "functions untouched")
assert(LOADS == 1, "the chunk's other effects were rolled back")
assert(r.mode == "table")

-- A condition evaluated in the program's globals.
development = false
r = H.reload("mod", { condition = "development" })
assert(r.status == "skipped" and r.skipped:find("false", 1, true), r.skipped)
assert(mod.other() == "other v1")
development = true
r = H.reload("mod", { condition = "development" })
assert(r.status == "applied" and mod.other() == "other v3")
msg = H.refused("mod", { condition = "(" })
assert(msg:find("condition", 1, true), msg)

-- Several modules in one transaction, dependencies first; one failure rolls back all.
H.write("base", "local B = {}\nfunction B.v() return 'base1' end\nORDER = {}\nreturn B\n")
H.write("app", "local base = require('base')\nlocal A = {}\nfunction A.v() return 'app1+' .. base.v() end\nreturn A\n")
local app = require("app")
local base = require("base")
H.write("base", "local B = {}\nfunction B.v() return 'base2' end\nORDER[#ORDER + 1] = 'base'\nreturn B\n")
H.write("app", "local base = require('base')\nlocal A = {}\nfunction A.v() return 'app2+' .. base.v() end\nORDER[#ORDER + 1] = 'app'\nreturn A\n")
-- Named dependent first: applied dependency first all the same.
local r2 = H.reload({ "app", "base" })
assert(app.v() == "app2+base2", app.v())
assert(table.concat(ORDER, ",") == "base,app", table.concat(ORDER, ","))
assert(r2.modules[1].module == "base" and r2.modules[2].module == "app")

-- One failure rolls back the whole batch.
H.write("base", "local B = {}\nfunction B.v() return 'base3' end\nreturn B\n")
H.write("app", "local A = {}\nfunction A.v() return 'app3' end\nerror('app is broken')\nreturn A\n")
msg = H.refused({ "base", "app" })
assert(msg:find("app is broken", 1, true), msg)
assert(app.v() == "app2+base2" and base.v() == "base2", "base rolled back with app")

H.done("selective")
