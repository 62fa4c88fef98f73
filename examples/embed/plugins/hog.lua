-- Eats memory: stopped by the memory limit.
local M = {}
function M.on_event()
  local t = {}
  for i = 1, math.huge do t[i] = ("x"):rep(100) .. i end
end
return M
