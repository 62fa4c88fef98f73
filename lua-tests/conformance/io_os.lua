-- io and os subset: write, open/read/write/lines/seek, tmpname/remove/rename, time/clock/getenv.
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end

-- io.write returns the file and accepts numbers
assert(io.write("") == io.stdout, "io.write returns io.stdout")
assert(io.write("io_os: ", 1, " ", 2.5, "\n") == io.stdout, "io.write with numbers")
assert(io.stdout:write("") == io.stdout, "file:write returns the file")
assert(string.find(err(function() io.write({}) end), "bad argument #1 to 'write' (string expected, got table)", 1, true), "write table")
assert(io.type(io.stdout) == "file" and io.type(42) == nil, "io.type")

local name = os.tmpname()
assert(type(name) == "string" and #name > 0, "tmpname")

-- write a file
local f = assert(io.open(name, "w"))
assert(io.type(f) == "file", "open file type")
assert(f:write("line one\n", "line two\n", 42, " ", 3.5, "\n") == f, "write chaining")
f:write("12 0x10 -3.5e1 nan\n")
f:write("last line without newline")
assert(f:close() == true, "close returns true")
assert(io.type(f) == "closed file", "closed file type")
assert(string.find(err(function() f:write("x") end), "attempt to use a closed file", 1, true), "write to closed file")
assert(string.find(tostring(f), "^file %(closed%)$"), "tostring of closed file")

-- read formats
f = assert(io.open(name, "r"))
assert(string.find(tostring(f), "^file %("), "tostring of open file")
assert(f:read("l") == "line one", "read line")
assert(f:read("L") == "line two\n", "read line keeping newline")
local n1, n2 = f:read("n", "n")
assert(n1 == 42 and math.type(n1) == "integer" and n2 == 3.5, "read numbers")
assert(f:read("l") == "", "rest of the line")
local a, b, c = f:read("n", "n", "n")
assert(a == 12 and b == 16 and c == -35.0, "read int, hex and float numbers")
assert(f:read("n") == nil, "nan is not a number for read")
f:read("l")
assert(f:read(4) == "last", "read byte count")
assert(f:read(0) == "", "read(0) before EOF is empty string")
assert(f:read("a") == " line without newline", "read all")
assert(f:read("a") == "", "read all at EOF gives empty string")
assert(f:read("l") == nil and f:read(1) == nil and f:read(0) == nil, "reads at EOF give nil")
f:close()

-- *-prefixed formats are still accepted
f = assert(io.open(name))
assert(f:read("*l") == "line one" and f:read("*a"):sub(1, 8) == "line two", "*l and *a")
f:close()
local fh = assert(io.open(name))
assert(string.find(err(function() return fh:read("x") end), "bad argument #1 to 'read' (invalid format)", 1, true), "invalid format")
fh:close()

-- seek
f = assert(io.open(name))
assert(f:seek("end") > 0, "seek end returns size")
assert(f:seek("set") == 0, "seek set")
assert(f:read(4) == "line", "read after seek")
assert(f:seek() == 4, "seek cur")
assert(f:seek("cur", 1) == 5, "relative seek")
assert(f:read("l") == "one", "read after relative seek")
f:close()

-- lines
local lines = {}
for l in io.lines(name) do lines[#lines + 1] = l end
assert(#lines == 5 and lines[1] == "line one" and lines[5] == "last line without newline", "io.lines")
lines = {}
for l in io.lines(name, "L") do lines[#lines + 1] = l end
assert(lines[1] == "line one\n" and lines[5] == "last line without newline", "io.lines with L")
f = assert(io.open(name))
local count = 0
for l in f:lines() do count = count + 1 end
assert(count == 5, "file:lines")
f:close()
local chunks = {}
for c4 in io.lines(name, 4) do chunks[#chunks + 1] = c4 end
assert(chunks[1] == "line" and #chunks[#chunks] <= 4, "lines with a byte count")
assert(string.find(err(function() for _ in io.lines(name .. ".missing") do end end), "No such file or directory", 1, true), "io.lines missing file")

-- append and read/write modes
f = assert(io.open(name, "w"))
f:write("abc")
f:close()
f = assert(io.open(name, "a"))
f:write("def")
f:close()
f = assert(io.open(name, "r"))
assert(f:read("a") == "abcdef", "append mode")
f:close()
f = assert(io.open(name, "r+"))
f:write("X")
f:seek("set")
assert(f:read("a") == "Xbcdef", "r+ mode")
f:close()
f = assert(io.open(name, "w+"))
f:write("fresh")
f:seek("set")
assert(f:read("a") == "fresh", "w+ truncates and reads")
f:close()
f = assert(io.open(name, "rb"))
assert(f:read(1) == "f", "b flag accepted")
f:close()
assert(string.find(err(function() io.open(name, "rw") end), "bad argument #2 to 'open' (invalid mode)", 1, true), "invalid mode")

-- opening a missing file returns nil, message, errno
local nf, msg, code = io.open(name .. ".does-not-exist")
assert(nf == nil and string.find(msg, "No such file or directory", 1, true) and type(code) == "number", "open missing file")

-- binary data round trip
f = assert(io.open(name, "wb"))
local bin = "\0\1\2\255\r\n"
f:write(bin)
f:close()
f = assert(io.open(name, "rb"))
assert(f:read("a") == bin, "binary round trip")
f:close()

-- rename and remove
local name2 = name .. ".renamed"
assert(os.rename(name, name2) == true, "rename")
assert(io.open(name) == nil, "old name gone")
assert(os.remove(name2) == true, "remove")
local rok, rmsg = os.remove(name2)
assert(rok == nil and string.find(rmsg, "No such file or directory", 1, true), "remove missing file")

-- io.output / io.input defaults
assert(io.output() == io.stdout and io.input() == io.stdin, "default files")

-- os
local t = os.time()
assert(math.type(t) == "integer" and t > 1600000000, "os.time is an integer")
assert(os.time({year = 2000, month = 1, day = 1, hour = 12}) - os.time({year = 2000, month = 1, day = 2, hour = 12}) == -86400, "os.time with a table")
local clk = os.clock()
assert(type(clk) == "number" and clk >= 0, "os.clock")
assert(type(os.getenv("PATH")) == "string" or os.getenv("PATH") == nil, "getenv PATH")
assert(os.getenv("WAYFINDER_SURELY_UNSET_VARIABLE_12345") == nil, "getenv unset")
assert(type(os.date("%Y")) == "string" and #os.date("%Y") == 4, "os.date year")
assert(os.date("!%Y-%m-%d %H:%M:%S", 0) == "1970-01-01 00:00:00", "os.date utc epoch")
local d = os.date("!*t", 86400)
assert(d.year == 1970 and d.month == 1 and d.day == 2 and d.hour == 0, "os.date *t")
assert(os.difftime(10, 4) == 6.0, "difftime")
print("io_os OK")
