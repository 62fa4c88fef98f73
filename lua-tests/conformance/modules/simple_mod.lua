-- A module returning a table; counts how often its body runs.
simple_mod_loads = (simple_mod_loads or 0) + 1
local M = {}
M.name, M.path = ...
function M.greet(who) return "hello " .. who end
return M
