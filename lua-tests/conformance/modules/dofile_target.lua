-- Used by load.lua through dofile and loadfile.
local args = {...}
counter_from_dofile = (counter_from_dofile or 0) + 1
return "dofile result", #args, args[1]
