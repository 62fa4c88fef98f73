-- os.execute and io.popen run the shell as C's system/popen do: named "sh" (its error
-- messages start "sh: "; $0 is "sh").
local p = io.popen('echo "$0"')
print(p:read('a'))
print(p:close())
p = io.popen('exit 3')
print(p:close())
io.stdout:flush()
print(os.execute('test "$0" = sh'))
