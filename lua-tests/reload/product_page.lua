-- The product page's examples: a stored function reference runs the new code; the
-- `counter` local keeps its value and `M.constants` keeps its identity.
local H = dofile("lib/harness.lua")

H.write("calc", [[
local M = {}
function M.add(a, b)
    return a + b
end
function M.multiply(a, b)
    return a * b
end
return M
]])
local calc = require("calc")
local add = calc.add -- a stored reference, as callers keep them
assert(calc.add(5, 3) == 8 and add(5, 3) == 8)

H.write("calc", [[
local M = {}
function M.add(a, b)
    return a + b + 1  -- changed implementation
end
function M.multiply(a, b)
    return a * b
end
return M
]])
local r = H.reload("calc")
assert(calc.add(5, 3) == 9, "module table runs the new code")
assert(add(5, 3) == 9, "stored reference runs the new code")
assert(require("calc") == calc, "package.loaded keeps the module's identity")
assert(H.has(r.rebound, "M.add") and H.has(r.rebound, "M.multiply"))
assert(r.closures["M.add"] == 1)
-- Counts stay those of the program's closures over repeated reloads (the closures each new
-- chunk made and the merge replaced are not counted).
r = H.reload("calc")
assert(r.closures["M.add"] == 1, "counted " .. tostring(r.closures["M.add"]))

H.write("counter", [[
local counter = 0
local M = {}
M.constants = { PI = 3.14159 }
function M.increment()
    counter = counter + 1
    return counter
end
return M
]])
local counter = require("counter")
local constants = counter.constants
counter.increment(); counter.increment(); counter.increment()
constants.runtime_note = "added while running"

H.write("counter", [[
local counter = 0
local M = {}
M.constants = { PI = 3.14159, E = 2.71828 }
function M.increment()
    counter = counter + 10
    return counter
end
return M
]])
r = H.reload("counter")
assert(counter.constants == constants, "M.constants keeps its identity")
assert(constants.E == 2.71828, "new field added")
assert(constants.PI == 3.14159)
assert(constants.runtime_note == "added while running", "runtime data kept")
assert(counter.increment() == 13, "counter kept its value (3) and runs the new code")
assert(H.has(r.joined, "counter"))
assert(H.has(r.kept, "local counter"))

H.done("product page")
