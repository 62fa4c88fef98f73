-- Writing to a file opened for reading fails at once with C's error triple, and `lines`
-- takes at most 250 formats.
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("abc\n")
f:close()

local r = assert(io.open(name, "r"))
print(r:write("xuxu"))
print(r:read("l"))
r:close()

local rw = assert(io.open(name, "r+"))
print(rw:write("z") == rw)
rw:close()

local formats = {}
for i = 1, 250 do formats[i] = "l" end
local line = io.lines(name, table.unpack(formats))()
print(line)
formats[#formats + 1] = "l"
print(pcall(io.lines, name, table.unpack(formats)))
local h = assert(io.open(name))
print(pcall(h.lines, h, table.unpack(formats)))
h:close()
os.remove(name)
