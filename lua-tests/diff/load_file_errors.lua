-- The messages of dofile/loadfile when the file cannot be opened or read: the C library's
-- text, as lua5.4 prints it.
print(pcall(dofile, "no-such-file.lua"))
print(pcall(dofile, "load_file_errors.lua/x.lua"))
print(loadfile("no-such-dir/x.lua"))
print(loadfile("load_file_errors.lua/x.lua"))
print(loadfile("."))
print(pcall(dofile, "."))

-- load's arguments are checked in lua5.4's order, the chunk name before a reader runs.
print(pcall(load, nil))
print(pcall(load, {}))
print(pcall(load, function() print("reader called") end, {}))
print(pcall(load, "return 1", {}))
print(pcall(load, "return 1", "name", 5))
print(load("x x", "=chunk"))
print(load(12))
print(type(load(function() return nil end, "=named")))
