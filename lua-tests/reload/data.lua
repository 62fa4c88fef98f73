-- Three-way merge of data: a value the running program changed is kept when the source
-- did not change its initial value, and taken from the new version when it did. Keys the
-- new version no longer defines: data is kept. Fields added at run time are state.
local H = dofile("lib/harness.lua")

local function version(speed, greeting)
  return ([[
local M = {}
M.config = { speed = %d, greeting = %q, nested = { depth = 1 } }
M.label = "v"
local hits = 0
function M.hit() hits = hits + 1; return hits end
return M
]]):format(speed, greeting)
end

H.write("settings", version(10, "hello"))
local s = require("settings")
s.config.speed = 99              -- changed at run time
s.config.greeting = "hi there"   -- changed at run time
s.config.nested.depth = 7        -- changed at run time
s.config.player = "ann"          -- added at run time
s.hit(); s.hit()

-- Source unchanged for speed, edited for greeting.
H.write("settings", version(10, "welcome"))
local r = H.reload("settings")
assert(s.config.speed == 99, "unchanged initial value: running value kept")
assert(s.config.greeting == "welcome", "edited initial value: new value taken")
assert(s.config.nested.depth == 7, "nested data kept")
assert(s.config.player == "ann", "runtime-added field kept")
assert(s.hit() == 3, "chunk local kept")
assert(H.has(r.kept, "settings.config.speed"), table.concat(r.kept, ","))
assert(H.has(r.updated, "settings.config.greeting"), table.concat(r.updated, ","))

-- Now the source changes speed too: the edit wins over the running value.
H.write("settings", version(20, "welcome"))
r = H.reload("settings")
assert(s.config.speed == 20 and H.has(r.updated, "settings.config.speed"))

-- A data field the new version no longer defines is kept.
H.write("settings", [[
local M = {}
M.config = { speed = 20, greeting = "welcome", nested = { depth = 1 } }
local hits = 0
function M.hit() hits = hits + 1; return hits end
return M
]])
H.reload("settings")
assert(s.label == "v", "data the new version dropped is kept")

-- preserveState off (the policy as an option of the Rust API) is covered by the engine's
-- Rust tests; here the globals a module assigns follow the same rule.
H.write("glob", [[
GLOBAL_LIMIT = 5
GLOBAL_NAME = "first"
function GLOBAL_FN() return "old" end
return {}
]])
require("glob")
GLOBAL_LIMIT = 50
GLOBAL_NAME = "changed"
local fn = GLOBAL_FN
H.write("glob", [[
GLOBAL_LIMIT = 5
GLOBAL_NAME = "second"
function GLOBAL_FN() return "new" end
return {}
]])
H.reload("glob")
assert(GLOBAL_LIMIT == 50, "global with unchanged initial value kept")
assert(GLOBAL_NAME == "second", "global with edited initial value updated")
assert(GLOBAL_FN == fn and fn() == "new", "global function keeps its identity, runs new code")

H.done("data")
