-- collectgarbage: options, modes and parameters (not weak tables or finalizers).

assert(collectgarbage("isrunning") == true, "the collector starts running")
assert(collectgarbage() == 0 and collectgarbage("collect") == 0, "collect returns 0")
assert(math.type(collectgarbage("count")) == "float" and collectgarbage("count") > 0, "count in KB")
assert(select("#", collectgarbage("count")) == 1, "count returns one value")

-- switching modes returns the previous mode
local old = collectgarbage("incremental")
assert(old == "incremental" or old == "generational", "a mode name")
assert(collectgarbage("generational") == "incremental", "incremental -> generational")
assert(collectgarbage("generational") == "generational", "generational -> generational")
assert(collectgarbage("incremental", 0, 0, 0) == "generational", "generational -> incremental")
assert(collectgarbage("incremental") == "incremental", "incremental -> incremental")

-- parameters: the previous value comes back (Lua keeps them in units of 4, hence the
-- multiples of 4 here); 0 in a mode switch keeps the current one
local pause = collectgarbage("setpause", 160)
assert(math.type(pause) == "integer", "setpause returns the previous pause")
assert(collectgarbage("setpause", pause) == 160, "setpause round trip")
local mul = collectgarbage("setstepmul", 300)
assert(collectgarbage("setstepmul", mul) == 300, "setstepmul round trip")
collectgarbage("incremental", 180, 0)
assert(collectgarbage("setpause", pause) == 180, "incremental sets the pause")
assert(collectgarbage("setstepmul", mul) == mul, "a 0 step multiplier keeps the current one")

-- stop / restart, and steps while stopped
collectgarbage("stop")
assert(collectgarbage("isrunning") == false, "stopped")
assert(collectgarbage("step", 20000) == true, "a big step completes a cycle")
assert(collectgarbage("isrunning") == false, "a step does not restart the collector")
collectgarbage("restart")
assert(collectgarbage("isrunning") == true, "restarted")

local ok, e = pcall(collectgarbage, "nonsense")
assert(not ok and e:find("bad argument #1 to 'collectgarbage' (invalid option 'nonsense')", 1, true), e)

print("gc_control OK")
