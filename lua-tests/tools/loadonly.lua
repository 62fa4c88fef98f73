-- Compiles a file with loadfile without running it (for compile-memory measurements).
local f = assert(loadfile(arg[1]))
print(type(f))
