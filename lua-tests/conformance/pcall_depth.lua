-- Nested pcall/xpcall stop at a C-stack-like limit as lua5.4's do (LUAI_MAXCCALLS), so a
-- pcall recursion ends at once with "C stack overflow" caught by the innermost pcall.
local function f() return pcall(f) end
local results = table.pack(f())
assert(results[results.n] == "C stack overflow", tostring(results[results.n]))
assert(results[results.n - 1] == false)
assert(results.n > 150 and results.n < 260, results.n)
for i = 1, results.n - 2 do assert(results[i] == true) end

local function g() return xpcall(g, debug.traceback) end
local r = table.pack(g())
assert(r[r.n - 1] == false and tostring(r[r.n]):find("C stack overflow", 1, true))

-- Ordinary nesting well below the limit is untouched.
local function nest(n) if n == 0 then return "deep" end return select(2, pcall(nest, n - 1)) end
assert(nest(150) == "deep")
-- After a caught stack overflow the program is whole: results still fit.
local function rec() return rec() + 1 end
assert(not pcall(rec))
assert(select("#", table.unpack({1, 2, 3})) == 3)
assert(select("#", table.unpack({}, 1, 1000)) == 1000)
print("pcall depth OK")
