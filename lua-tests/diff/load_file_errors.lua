-- The messages of dofile/loadfile when the file cannot be opened or read: the C library's
-- text, as lua5.4 prints it.
print(pcall(dofile, "no-such-file.lua"))
print(pcall(dofile, "load_file_errors.lua/x.lua"))
print(loadfile("no-such-dir/x.lua"))
print(loadfile("load_file_errors.lua/x.lua"))
print(loadfile("."))
print(pcall(dofile, "."))
