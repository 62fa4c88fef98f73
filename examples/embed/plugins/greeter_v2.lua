-- The new version the host hot-reloads: same state, new behaviour.
local M = {}
local greeted = 0

function M.on_event(name)
  greeted = greeted + 1
  log(("welcome back, %s! (greeting #%d, reloaded)"):format(name:upper(), greeted))
end

return M
