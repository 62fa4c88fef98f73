-- os.exit(code, true) closes the state as lua_close does: the main thread's pending
-- to-be-closed variables, innermost first (an error in one goes to the next ones), then
-- the finalizers. Without `true` nothing is closed (not tested here: the process ends).
local function first_line(e) return e and tostring(e):match("^[^\n]*") end
local log = setmetatable({}, {__gc = function() print("finalizer ran") end})
local a <close> = setmetatable({}, {__close = function(_, e) print("closed a", first_line(e)) end})
do
  local b <close> = setmetatable({}, {__close = function(_, e)
    print("closed b", first_line(e))
    error("boom in b")
  end})
  local c <close> = setmetatable({}, {__close = function(_, e) print("closed c", first_line(e)) end})
  local skipped <close> = false
  local function inner()
    local d <close> = setmetatable({}, {__close = function() print("closed d") end})
    io.write("exiting\n")
    os.exit(0, true)
  end
  inner()
end
print("not reached")
