-- os.execute and io.popen: results, statuses and file-handle behaviour as lua5.4.
-- Output of the commands themselves goes to stdout only after io.stdout:flush(), so
-- the order is the same whether stdout is buffered or not.

print("shell", os.execute())
print(os.execute("exit 0"))
print(os.execute("exit 3"))
print(os.execute("true"))
print(os.execute("false"))
print(os.execute("exit 255"))
print(os.execute("kill -9 $$"))
print(os.execute("kill -TERM $$"))
print(os.execute("nonexistent_command_wayfinder_test 2>/dev/null"))
print(pcall(os.execute, {}))
io.stdout:flush()
print(os.execute("echo from the shell"))

-- Read mode: every read format, lines, and the status at close.
local f = io.popen("printf 'one\\ntwo\\n3 4.5 0x10\\nrest'")
print(io.type(f), tostring(f):match("^file %(") ~= nil)
print(f:read("l"))
print(f:read("L"))
print(f:read("n", "n", "n"))
print(f:read("a"))
print(f:read("l"), f:read("a"), f:read(0))
print(f:write("x"))
print(f:seek("set"))
print(f:close())
print(io.type(f), pcall(f.read, f))
for l in io.popen("printf 'a\\nb\\nc'"):lines() do io.write("[", l, "]") end
print()
for a, b in io.popen("printf 'xyzwvu'"):lines(1, 2) do io.write("<", a, b, ">") end
print()
print(io.popen("echo $((6*7))"):read("n"))
local big = io.popen("i=0; while [ $i -lt 3000 ]; do echo line$i; i=$((i+1)); done")
local n, last = 0, nil
for l in big:lines() do n, last = n + 1, l end
print(n, last, big:close())
local e = io.popen("echo out; echo err 1>/dev/null; exit 2")
print(e:read("a"))
print(e:close())
print(io.popen("exit 7"):close())
print(io.popen("kill -9 $$"):close())
do
  local h <close> = io.popen("echo closed by a to-be-closed variable")
  print(h:read("l"))
end

-- Write mode: the command reads what we write; reading fails.
local name = os.tmpname()
local p = io.popen("cat > " .. name, "w")
print(io.type(p), p:write("hello ", 42, " ", 1.5, "\n") == p)
print(p:write("second line\n") == p)
print(p:read("l"))
print(p:close())
local g = io.open(name)
io.write(g:read("a"))
g:close()
os.remove(name)
print(io.popen("exit 5", "w"):close())
io.stdout:flush()
local c = io.popen("cat", "w")
c:write("through cat\n")
print(c:close())

-- Argument errors.
print(pcall(io.popen, "ls", "rw"))
print(pcall(io.popen, "ls", "r+"))
print(pcall(io.popen))
