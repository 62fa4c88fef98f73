-- The collector runs while a module loads: a module's main chunk run by `require` (from a
-- file or from package.preload, also from a coroutine and from inside another module's
-- load) makes garbage in a loop, and memory stays flat as in any other loop.
local dir = arg and arg[0] and arg[0]:match("^(.*)[/\\]") or "."
local modules = dir .. "/modules/"
package.path = modules .. "?.lua;" .. package.path

-- A sentinel that counts collection cycles: each time it is collected it makes another.
gc_cycles = 0
local function arm()
  setmetatable({}, {__gc = function() gc_cycles = gc_cycles + 1; arm() end})
end
arm()

collectgarbage(); collectgarbage()
local LIMIT = 16384 -- KB; the loop makes some 60 MB of garbage
local function check(m, how)
  assert(m.cycles >= 1, how .. ": no collection ran while the module loaded")
  assert(m.growth < LIMIT, how .. ": garbage piled up while the module loaded: " .. m.growth .. " KB")
end

-- from a file on package.path
local m, where = require("garbage_mod")
assert(m.name == "garbage_mod" and where == modules .. "garbage_mod.lua", "module and file")
assert(package.loaded.garbage_mod == m, "module cached")
check(m, "file")

-- from package.preload (the same chunk, as a loader function)
package.preload.garbage_pre = assert(loadfile(modules .. "garbage_mod.lua"))
check(require("garbage_pre"), "preload")

-- from a coroutine
package.preload.garbage_co = package.preload.garbage_pre
local co = coroutine.wrap(function() return require("garbage_co") end)
check(co(), "coroutine")

-- inside another module's load
package.preload.outer = function()
  local inner = require("garbage_inner")
  return {inner = inner}
end
package.preload.garbage_inner = package.preload.garbage_pre
check(require("outer").inner, "nested require")

print("require_gc OK")
